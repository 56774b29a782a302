#!/bin/sh
# layers.sh: the include rules between layers (tests/layers.py says which),
# with a self-test that plants a violation of each rule and expects it caught.
top=${top_srcdir:-$(dirname "$0")/..}
command -v python3 > /dev/null || { echo "1..0 # SKIP python3 is not installed"; exit 77; }
exec python3 "$top/tests/layers.py" --self-test
