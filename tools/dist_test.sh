#!/usr/bin/env bash
# Usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
# torchrun's own errors on these end in a traceback per process
USAGE="usage: tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py options]"
if [ ! -f "$CONFIG" ]; then
    echo >&2 "dist_test.sh: error: CONFIG '$CONFIG' is not a file ($USAGE)"
    exit 2
fi
if [ ! -f "$CHECKPOINT" ]; then
    echo >&2 "dist_test.sh: error: CHECKPOINT '$CHECKPOINT' is not a file ($USAGE)"
    exit 2
fi
if ! [[ "$GPUS" =~ ^[1-9][0-9]*$ ]]; then
    echo >&2 "dist_test.sh: error: GPUS must be the number of processes, 1 or more, got '$GPUS' ($USAGE)"
    exit 2
fi
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
DIR="$(cd "$(dirname "$0")" && pwd)"
PYTHON=${PYTHON:-"$DIR/../.venv/bin/python"}
exec "$PYTHON" -m torch.distributed.run \
    --nnodes="$NNODES" --node_rank="$NODE_RANK" --master_addr="$MASTER_ADDR" \
    --nproc_per_node="$GPUS" --master_port="$PORT" \
    "$DIR/test.py" "$CONFIG" "$CHECKPOINT" --launcher pytorch "${@:4}"
