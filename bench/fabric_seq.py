# Fabric 2: N sequential `true` over one Connection; prints ms per command.
import sys, time
from fabric import Connection

host, port, user, key, n = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5])
c = Connection(host, port=port, user=user, connect_kwargs={"key_filename": key, "look_for_keys": False, "allow_agent": False})
for _ in range(5):
    c.run("true", hide=True)
t = time.perf_counter()
for _ in range(n):
    c.run("true", hide=True)
print((time.perf_counter() - t) * 1000 / n)
c.close()
