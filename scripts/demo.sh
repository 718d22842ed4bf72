#!/bin/bash
# The main job: builds vnet, then shows libvnet making a bridge, a tap, a veth
# pair into a second namespace and a VXLAN port inside a throwaway namespace.
# Needs root; the machine's own network namespace is never touched.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/setup.sh" default >/dev/null
exec "$top/_build/default/examples/links-demo"
