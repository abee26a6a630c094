import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { dataCli } from '../data/data-cli';
import { captureIo, makeTempDir, makeWorkspace } from '../testing/io';
import { remoteCli } from './remote-cli';

describe('cellar remote', () => {
  it('add, list, default, remove: .dvc/config as dvc writes it, usable by cellar data at once', async () => {
    const root = makeWorkspace({
      '.dvc/config': '# ours\n[core]\n    autostage = true\n',
      'data/x.csv': 'a\n1\n',
    });
    fs.mkdirSync(path.join(root, 'store'));
    // A relative path is typed from where the user stands and stored relative to .dvc/, as dvc does.
    const add = captureIo(path.join(root, 'data'));
    expect(await remoteCli(['add', 'Team', '../store', '-d'], add.io)).toBe(0);
    expect(add.stdout()).toBe("added remote 'team' (../store) to .dvc/config, the default\n");
    expect(await remoteCli(['add', 'bucket', 's3://cellar/dvc'], captureIo(root).io)).toBe(0);
    expect(fs.readFileSync(path.join(root, '.dvc/config'), 'utf8')).toBe(
      `# ours\n[core]\n    autostage = true\n    remote = team\n['remote "team"']\n    url = ../store\n['remote "bucket"']\n    url = s3://cellar/dvc\n`,
    );
    const list = captureIo(root);
    expect(await remoteCli(['list'], list.io)).toBe(0);
    expect(list.stdout()).toBe('team\t../store\t(default)\nbucket\ts3://cellar/dvc\n');

    const push = captureIo(root);
    expect(await dataCli(['add', 'data/x.csv', '--push'], push.io)).toBe(0);
    expect(fs.readdirSync(path.join(root, 'store/files/md5'))).toHaveLength(1);

    expect(await remoteCli(['default', 'bucket'], captureIo(root).io)).toBe(0);
    const removed = captureIo(root);
    expect(await remoteCli(['remove', 'bucket'], removed.io)).toBe(0);
    expect(removed.stdout()).toBe("removed remote 'bucket' from .dvc/config\n");
    expect(fs.readFileSync(path.join(root, '.dvc/config'), 'utf8')).toBe(
      `# ours\n[core]\n    autostage = true\n['remote "team"']\n    url = ../store\n`,
    );
  });

  it('one-line errors naming the config file and the remote; exit 2 for usage', async () => {
    const root = makeWorkspace({ '.dvc/config': `['remote "a"']\n    url = /srv/a\n` });
    const again = captureIo(root);
    expect(await remoteCli(['add', 'a', makeTempDir()], again.io)).toBe(1);
    expect(again.stderr()).toBe(
      "cellar remote: .dvc/config: remote 'a' already exists (url /srv/a); use --force to overwrite it\n",
    );
    const unknown = captureIo(root);
    expect(await remoteCli(['default', 'b'], unknown.io)).toBe(1);
    expect(unknown.stderr()).toBe(
      "cellar remote: .dvc/config: there is no remote 'b' (known: a); add it with 'cellar remote add b <url>'\n",
    );
    const usage = captureIo(root);
    expect(await remoteCli(['add', 'only-a-name'], usage.io)).toBe(2);
    expect(usage.stderr()).toBe('cellar remote: add: expected <name> <url> (got 1 arguments)\n');
    const broken = captureIo(makeWorkspace({ '.dvc/config': '[core]\nremote\n' }));
    expect(await remoteCli(['list'], broken.io)).toBe(1);
    expect(broken.stderr()).toBe(
      "cellar remote: .dvc/config: line 2: expected '[section]' or 'key = value' (got 'remote'); fix or re-create it with 'dvc remote add'\n",
    );
  });
});
