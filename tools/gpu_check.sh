#!/usr/bin/env bash
# The whole GPU check in one command, for the short times a GPU is at hand.
#
#   bash tools/gpu_check.sh [OUTDIR]            # run everything (default OUTDIR: $GPU_CHECK_OUT or gpu-check/)
#   bash tools/gpu_check.sh --dry-run [OUTDIR]  # here, without a GPU: check every step exists and parses
#
# Run from the repository root, with PYTHONPATH=. and no pip install: the GPU machine has python3
# with PyTorch (CUDA), cupy-cuda13x, numba, pytest and hypothesis. Each step has its own time limit;
# all of them fit in under 8 minutes on one H100. What each step printed goes to OUTDIR/<step>.log;
# OUTDIR/summary.txt lists the steps with their status and time. A failing step does not stop the
# others; the exit status is the number of failed steps (0: all passed).
set -uo pipefail

DRY_RUN=0
if [[ "${1:-}" == "--dry-run" ]]; then
  DRY_RUN=1
  shift
fi
OUT="${1:-${GPU_CHECK_OUT:-gpu-check}}"
PY="${PYTHON:-python3}"
export PYTHONPATH="${PYTHONPATH:-.}"
mkdir -p "$OUT"
SUMMARY="$OUT/summary.txt"
: > "$SUMMARY"
FAILED=0

# step NAME SECONDS COMMAND...: run it (or, dry, check it), log to OUT/NAME.log, note the outcome
step() {
  local name="$1" limit="$2"
  shift 2
  local log="$OUT/$name.log" start status
  start=$(date +%s)
  if (( DRY_RUN )); then
    check "$@" > "$log" 2>&1
    status=$?
  else
    echo "== $name: $*" | tee "$log"
    timeout --signal=INT --kill-after=15 "$limit" "$@" >> "$log" 2>&1
    status=$?
  fi
  local took=$(( $(date +%s) - start ))
  local outcome="ok"
  (( status == 0 )) || { outcome="FAILED (exit $status)"; FAILED=$((FAILED + 1)); }
  (( DRY_RUN )) && outcome="$outcome (dry run)"
  printf '%-22s %-28s %5ss  %s\n' "$name" "$outcome" "$took" "$*" | tee -a "$SUMMARY"
}

# check COMMAND...: the dry run of one step. The program must exist; python scripts and modules
# must compile and accept their options; pytest selections must collect.
check() {
  command -v "$1" > /dev/null || { echo "no such command: $1"; return 127; }
  if [[ "$1" == "$PY" && "${2:-}" == "-m" && "${3:-}" == "pytest" ]]; then
    "$PY" -m pytest --collect-only -q "${@:4}" > /dev/null
  elif [[ "$1" == "$PY" && "${2:-}" == "-m" ]]; then
    "$PY" -c "import importlib.util, sys; sys.exit(importlib.util.find_spec('$3') is None)" \
      && "$PY" -m "$3" --help > /dev/null && options_known "$("$PY" -m "$3" --help)" "${@:4}"
  elif [[ "$1" == "$PY" ]]; then
    "$PY" -m py_compile "$2" && "$PY" "$2" --help > /dev/null \
      && options_known "$("$PY" "$2" --help)" "${@:3}"
  fi
}

# options_known HELP ARGS...: every --option in ARGS appears in the program's --help text
options_known() {
  local help="$1"
  shift
  for arg in "$@"; do
    if [[ "$arg" == --* ]] && ! grep -q -- "${arg%%=*}" <<< "$help"; then
      echo "option not accepted: $arg"
      return 2
    fi
  done
}

if (( ! DRY_RUN )); then
  { nvidia-smi || true
    "$PY" -c "import cupy, minitorch_conv as mt; print('cupy', cupy.__version__, 'devices', mt.cuda.device_count())"
    "$PY" -c "import torch; print('torch', torch.__version__, torch.version.cuda, torch.cuda.get_device_name(0))"
  } > "$OUT/env.log" 2>&1
fi

# 1. the device-parametrised tests (every one runs on 'cuda' where a GPU is usable) and the NCCL
#    job of one rank, then the
#    backend tests docs/backends.md lists (GEMM layouts, TF32, randperm, a second GPU if present)
step tests-cuda        300 "$PY" -m pytest -p no:cacheprovider -q -x -k "cuda or nccl" tests
step tests-backends    120 "$PY" -m pytest -p no:cacheprovider -q tests/backends/test_backends.py
# 2. the bench against PyTorch (cuDNN), TF32 off on both sides, then on; the example's training
#    step beside PyTorch's CUDA step
step bench-tf32-off    120 "$PY" -m minitorch_conv.bench --device cuda --compare torch
step bench-tf32-on     120 "$PY" -m minitorch_conv.bench --device cuda --compare torch --tf32
step train-step        120 "$PY" -m minitorch_conv.bench --device cuda --train-step
# 3. the main job on the GPU, a few epochs
step train-cnn         120 "$PY" examples/train_cnn.py --device cuda --epochs 3 --out "$OUT/runs"
# 4. a float64 gradcheck sweep on the GPU (and a comparison with PyTorch's CUDA convolution)
step gradcheck-sweep   120 "$PY" tools/gpu_sweeps.py gradcheck --device cuda
step amp               60 "$PY" tools/gpu_sweeps.py amp --device cuda
# 5. determinism: two runs of the same training, the same bits
step determinism-1      60 "$PY" tools/gpu_sweeps.py determinism --device cuda
step determinism-2      60 "$PY" tools/gpu_sweeps.py determinism --device cuda
if (( ! DRY_RUN )); then
  first=$(tail -n 1 "$OUT/determinism-1.log")
  second=$(tail -n 1 "$OUT/determinism-2.log")
  if [[ -n "$first" && "$first" == "$second" ]]; then
    echo "determinism: both runs gave $first" | tee -a "$SUMMARY"
  else
    echo "determinism: FAILED, the runs differ ($first vs $second)" | tee -a "$SUMMARY"
    FAILED=$((FAILED + 1))
  fi
fi

echo "$FAILED step(s) failed; logs in $OUT/" | tee -a "$SUMMARY"
exit "$FAILED"
