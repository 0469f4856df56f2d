# Sourced by the device-call scripts: install the carried wheels (.whl: pycparser, datasketch,
# which the GPU host's Python lacks) into /tmp/site and put them and this checkout on the path.
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD
