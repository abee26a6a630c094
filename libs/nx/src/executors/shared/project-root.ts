import type { ExecutorContext } from '@nx/devkit';

export function projectRootOf(context: ExecutorContext): string {
  const name = context.projectName;
  const project = name ? context.projectsConfigurations?.projects[name] : undefined;
  if (!project) throw new Error(`executor was started without a project (got '${name ?? ''}')`);
  return project.root;
}
