#!/usr/bin/env bash
# Side-by-side benchmark: QuantHdl's engine vs PyTorch 1.13 (Debian python3-torch), same recipe
# (Fashion-MNIST, MLP 784-256-128-10, batch 64, Adam 1e-3; then one LSQ W4A4 QAT epoch).
#
#   bench/run.sh            quick GEMM check + training, ours then PyTorch (1 thread, then default threads)
#   bench/run.sh --bdn      also the BenchmarkDotNet GEMM suite (ShortRun, a few minutes)
#
# Environment: EPOCHS (FP epochs, default 1), QAT_EPOCHS (default 1), DATA (IDX directory).
# PyTorch needs OpenBLAS: Debian's torch calls the libblas.so.3 alternative, which is the reference
# BLAS (~3 GFLOP/s) unless libopenblas0-pthread is installed; INSTALL_OPENBLAS=1 installs it (root).
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (set on this machine kind as a safe default) are unset for the
# PyTorch runs only, so OpenBLAS picks its own AVX-512 kernel; the script prints which one it ran.
set -euo pipefail
cd "$(dirname "$0")/.."

EPOCHS=${EPOCHS:-1}
QAT_EPOCHS=${QAT_EPOCHS:-1}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
BDN=0
for arg in "$@"; do
  case "$arg" in
    --bdn) BDN=1 ;;
    *) echo "unknown argument '$arg'; use --bdn" >&2; exit 2 ;;
  esac
done

echo "# $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load average $(cut -d' ' -f1-3 /proc/loadavg)"

if ! /usr/bin/python3 -c "import ctypes; ctypes.CDLL('libopenblas.so.0')" 2>/dev/null; then
  if [ "${INSTALL_OPENBLAS:-0}" = 1 ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libopenblas0-pthread
  else
    echo "WARNING: OpenBLAS is not installed; PyTorch will run on the reference BLAS and be ~15x slower." >&2
    echo "         Re-run with INSTALL_OPENBLAS=1 (as root) or: apt-get install libopenblas0-pthread" >&2
  fi
fi

dotnet build -c Release bench/QuantHdl.Bench -v q -nologo | grep -E "error|Warn|Error" || true

echo
echo "## QuantHdl engine"
dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- gemm 512x512x512 1024x1024x1024
dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- train --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS"

TORCH_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=1073741824)
echo
echo "## PyTorch, 1 thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)"
"${TORCH_ENV[@]}" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_mlp.py --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads 1
echo
echo "## PyTorch, default threads (torch's and OpenBLAS's own defaults)"
"${TORCH_ENV[@]}" /usr/bin/python3 bench/torch_mlp.py --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads default

if [ "$BDN" = 1 ]; then
  echo
  echo "## BenchmarkDotNet GEMM suite (ShortRun)"
  dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- --filter '*GemmBenchmarks*'
fi
