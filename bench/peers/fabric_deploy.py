# Fabric 2: a release deploy as Fabric users write it: a ThreadingGroup, one group.run
# per step (each a barrier over every host), host keys checked against known_hosts.
# Same steps and layout as the other tools: mirror fetch, git archive | tar x, shared
# link, mv -T, a no-op restart, keep 5. Paths start at each login's $HOME (every host's
# own tree), so one command serves every host, as in a Fabric user's fabfile.
#   python3 bench/peers/fabric_deploy.py <hosts.json> <deploy dir> <tag>
import json
import shlex
import sys
import time

import paramiko
from fabric import Connection, ThreadingGroup
from fabric.exceptions import GroupException

world_file, deploy_dir, tag = sys.argv[1:4]
world = json.load(open(world_file))
d = '"$HOME"/' + shlex.quote(deploy_dir)
rel = f"{d}/releases/" + time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())


def connection(h):
    c = Connection(h["address"], user=h["user"], port=h["port"],
                   connect_kwargs={"key_filename": world["key"], "look_for_keys": False, "allow_agent": False})
    c.client.load_host_keys(world["knownHostsFile"])
    c.client.set_missing_host_key_policy(paramiko.RejectPolicy())
    return c


group = ThreadingGroup.from_connections([connection(h) for h in world["hosts"]])
steps = [
    f"mkdir -p {d}/releases && (test -d {d}/repo || git clone -q --mirror {shlex.quote(world['origin'])} {d}/repo)",
    f"git --git-dir={d}/repo remote update --prune",
    f"mkdir {rel} && git --git-dir={d}/repo archive {shlex.quote(tag)} | tar -x -C {rel}",
    f"ln -s {d}/shared/config/app.env {rel}/config/app.env",
    f"ln -s {rel} {d}/current.tmp && mv -T {d}/current.tmp {d}/current",
    "true",  # the restart
    f"cd {d}/releases && ls -1 | sort | head -n -5 | xargs -r rm -rf",
]
try:
    for step in steps:
        group.run(step, hide=True)
except GroupException as e:
    for c, r in e.result.items():
        if isinstance(r, Exception):
            print(f"{c.host}:{c.port}: {r}", file=sys.stderr)
    sys.exit(1)
finally:
    group.close()
