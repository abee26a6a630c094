// See ../../dev-source.js.
module.exports = require('../../dev-source.js')('executors/notify/executor');
