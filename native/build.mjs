// `npm install` hook: build the native step kernels with the node-gyp bundled in npm, against
// the Node headers on this machine (never downloaded). Without a compiler or headers deeprank
// runs its JavaScript kernels, so a failed build is a warning, not an install failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const prefix = dirname(dirname(process.execPath));
const nodeGyp = process.env.npm_config_node_gyp;
const skip = (why) => {
  console.warn(`deeprank: native kernels not built (${why}); training uses the JavaScript kernels`);
  process.exit(0);
};
if (process.env.DEEPRANK_KERNELS === 'js') skip('DEEPRANK_KERNELS=js');
if (!existsSync(join(prefix, 'include', 'node', 'node_api.h'))) skip(`no Node headers under ${prefix}/include/node`);
if (!nodeGyp || !existsSync(nodeGyp)) skip('npm did not provide node-gyp');
const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${prefix}`], { stdio: 'inherit' });
if (result.status !== 0) skip(`node-gyp exited with ${result.status}`);
