// The maintenance page around a deploy's switch, as release hooks:
//   releaseTasks({ ..., hooks: maintenanceDuringSwitch(proxy, { ...yourHooks }) })
// On just before the switch (after prepare and the `once` steps), off after the
// restart and the release is recorded, and off again when the deploy fails and is
// undone. Off is idempotent, so a failure before the switch is harmless.
import type { Context } from '../core/context-types.js';
import type { HostVars } from '../core/host.js';
import type { ReleaseHooks } from '../deploy/config.js';
import type { ProxyConfig } from './config.js';
import { validateConfig } from './config.js';

export function maintenanceDuringSwitch<V extends HostVars = HostVars>(config: ProxyConfig, hooks: ReleaseHooks<V> = {}): ReleaseHooks<V> {
  validateConfig(config);
  const set = async (c: Context<V>, on: boolean, why: string) => {
    const { setMaintenance } = await import('./maintenance.js');
    await setMaintenance(c as unknown as Context, config, on, why);
  };
  return {
    ...hooks,
    async beforeSwitch(c, deploy) {
      await hooks.beforeSwitch?.(c, deploy);
      await set(c, true, `deploy of ${deploy.release}: switching`);
    },
    async afterDeploy(c, deploy) {
      await set(c, false, `release ${deploy.release} is live`);
      await hooks.afterDeploy?.(c, deploy);
    },
    async onFailure(c, deploy, error) {
      try {
        await set(c, false, `deploy of ${deploy.release} failed`);
      } finally {
        await hooks.onFailure?.(c, deploy, error);
      }
    },
  };
}
