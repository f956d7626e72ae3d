#!/usr/bin/env bash
# bench/Rules (issue 12 "Speed"): rule evaluation at 0/10/100/1,000 server-wide rules and durable submits/s through
# the kernel's queue, alternated in one run; prints the cost of each set against the pipeline.
# usage: bench/Rules/run.sh [--smoke]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
dotnet build -c Release "$REPO/bench/Rules" -v quiet -nologo >/dev/null
dotnet "$REPO/bench/Rules/bin/Release/net10.0/Rules.Bench.dll" "$@"
