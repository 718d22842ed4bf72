#!/bin/bash
# The main job: builds vnet, then runs the default NAT network end to end in
# throwaway namespaces (examples/nat-demo.sh): vnetd, a VM reaching an outside
# host through NAT, the outside host reaching the VM through a port forward.
# Needs root; the machine's own network namespace is never touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" default >/dev/null
exec "$top/examples/nat-demo.sh" "$top/_build/default"
