# Fabric 2: `true` on every host with a ThreadingGroup (whole process is timed by run.js).
import sys
from fabric import ThreadingGroup

user, key, hosts = sys.argv[1], sys.argv[2], sys.argv[3:]
g = ThreadingGroup(*[f"{user}@{h}" for h in hosts], connect_kwargs={"key_filename": key, "look_for_keys": False, "allow_agent": False})
results = g.run("true", hide=True)
failed = [c for c, r in results.items() if not hasattr(r, "exited") or r.exited != 0]
sys.exit(1 if failed else 0)
