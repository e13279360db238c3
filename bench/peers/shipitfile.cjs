// Shipit (shipit-cli + shipit-deploy 5.3) for the deploy bench (bench/deploy.mjs): the stock
// deploy (local workspace, rsync to every host, relative `current` link, keep 5) with the
// shared file linked and a no-op restart as steps of their own: Shipit's event hooks are
// not awaited, so the steps go into the task list instead.
// Env: BENCH_HOSTS (the bench's hosts.json), BENCH_DIR (under each login's $HOME), BENCH_TAG.
const { readFileSync } = require('node:fs');
const utils = require('shipit-utils');

module.exports = (shipit) => {
  require('shipit-deploy')(shipit);
  const world = JSON.parse(readFileSync(process.env.BENCH_HOSTS, 'utf8'));
  const dir = `~/${process.env.BENCH_DIR}`;
  shipit.initConfig({
    default: {
      repositoryUrl: world.origin,
      branch: process.env.BENCH_TAG,
      deployTo: dir,
      shallowClone: true,
      ignores: ['.git'],
      keepReleases: 5,
      key: world.key,
      strict: 'yes',
    },
    bench: {
      servers: world.hosts.map((h) => ({
        host: h.address,
        port: h.port,
        user: h.user,
        extraSshOptions: { UserKnownHostsFile: world.knownHostsFile, IdentitiesOnly: 'yes', BatchMode: 'yes' },
      })),
    },
  });
  utils.registerTask(shipit, 'bench:link', () => shipit.remote(`ln -s ${dir}/shared/config/app.env ${shipit.releasePath}/config/app.env`));
  utils.registerTask(shipit, 'bench:restart', () => shipit.remote('true'));
  utils.registerTask(shipit, 'bench:deploy', ['deploy:init', 'deploy:fetch', 'deploy:update', 'bench:link', 'deploy:publish', 'bench:restart', 'deploy:clean', 'deploy:finish']);
};
