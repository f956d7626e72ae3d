#!/usr/bin/env bash
# bench/Rules (issue 12 "Speed"): durable submits/s through the kernel's queue with the Rules plugin loaded and a
# server-wide set of 0/10/100/1,000 rules installed, and the evaluation time per message at the same sizes; 3 rounds
# in one run, medians. Builds the Rules plugin (artifacts/kernel/plugins/Rules) and the bench first.
# usage: bench/Rules/run.sh [--smoke | --rounds N | --evaluation-only]
set -euo pipefail
REPO=$(cd "$(dirname "$0")/../.." && pwd)
dotnet build -c Release "$REPO/plugins/Rules" -v quiet -nologo >/dev/null
dotnet build -c Release "$REPO/bench/Rules" -v quiet -nologo >/dev/null
dotnet "$REPO/bench/Rules/bin/Release/net10.0/Rules.Bench.dll" "$@"
