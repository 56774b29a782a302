"""portfile_server.py: how the rehearsal's HTTP stand-ins (s3_server.py,
vault_server.py) serve: threaded on 127.0.0.1, their port written to a file
(aside, then renamed, so a reader never sees half of it), until killed."""
import os
from http.server import ThreadingHTTPServer


def serve(handler, port_file, port=0):
    """Serves handler on 127.0.0.1:port (0: any) and says which in port_file."""
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    tmp = port_file + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.replace(tmp, port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0
