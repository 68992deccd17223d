#!/usr/bin/env bash
# Side-by-side benchmark: QuantHdl's engine vs PyTorch 1.13 (Debian python3-torch), same recipe
# (Fashion-MNIST, batch 64, Adam 1e-3; then one LSQ W4A4 QAT epoch), first for the MLP 784-256-128-10,
# then for LeNet-5 (conv 6@5x5, pool, conv 16@5x5, pool, fc 120-84-10 on 1x28x28 images).
#
#   bench/run.sh            quick GEMM check + MLP training + LeNet-5 training, each ours then PyTorch
#                           (1 thread, then default threads)
#   bench/run.sh --lenet    only the LeNet-5 section
#   bench/run.sh --resnet8  only the ResNet-8 section (not in the default run: an epoch takes minutes);
#                           LIMIT=N trains on the first N images only, for a quicker timing
#   bench/run.sh --bdn      also the BenchmarkDotNet GEMM suite (ShortRun, a few minutes)
#
# Environment: EPOCHS (FP epochs, default 1), QAT_EPOCHS (default 1), DATA (IDX directory).
# PyTorch needs OpenBLAS: Debian's torch calls the libblas.so.3 alternative, which is the reference
# BLAS (~3 GFLOP/s) unless libopenblas0-pthread is installed; INSTALL_OPENBLAS=1 installs it (root).
# OPENBLAS_CORETYPE/OPENBLAS_L2_SIZE (set on this machine kind as a safe default) are unset for the
# PyTorch runs only, so OpenBLAS picks its own AVX-512 kernel; the script prints which one it ran.
# OpenBLAS 0.3.21 does not know every AVX-512 CPU: on an unknown model its detection falls back to the
# SSE3 "Prescott" kernel (~25 GFLOP/s instead of ~105). Then, if the CPU has avx512f, the PyTorch runs get
# OPENBLAS_CORETYPE=Cooperlake (with avx512_bf16) or SkylakeX, so PyTorch is not handicapped.
# TORCH_CORETYPE=NAME forces a kernel instead.
set -euo pipefail
cd "$(dirname "$0")/.."

EPOCHS=${EPOCHS:-1}
QAT_EPOCHS=${QAT_EPOCHS:-1}
DATA=${DATA:-/usr/share/datasets/fashion-mnist}
BDN=0
MLP=1
LENET=1
RESNET=0
LIMIT=${LIMIT:-0}
for arg in "$@"; do
  case "$arg" in
    --bdn) BDN=1 ;;
    --lenet) MLP=0 ;;
    --resnet8) MLP=0; LENET=0; RESNET=1 ;;
    *) echo "unknown argument '$arg'; use --bdn, --lenet or --resnet8" >&2; exit 2 ;;
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

TORCH_ENV=(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE MALLOC_MMAP_THRESHOLD_=67108864 MALLOC_TRIM_THRESHOLD_=1073741824)
CORETYPE=${TORCH_CORETYPE:-}
if [ -z "$CORETYPE" ]; then
  DETECTED=$(env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 -c "import ctypes; l = ctypes.CDLL('libopenblas.so.0'); l.openblas_get_corename.restype = ctypes.c_char_p; print(l.openblas_get_corename().decode())" 2>/dev/null || echo none)
  if grep -q -m1 -w avx512f /proc/cpuinfo && ! [[ "$DETECTED" =~ ^(SkylakeX|Cooperlake|SapphireRapids|none)$ ]]; then
    if grep -q -m1 -w avx512_bf16 /proc/cpuinfo; then CORETYPE=Cooperlake; else CORETYPE=SkylakeX; fi
    echo "OpenBLAS detected kernel '$DETECTED' on an AVX-512 CPU; the PyTorch runs use OPENBLAS_CORETYPE=$CORETYPE"
  fi
fi
if [ -n "$CORETYPE" ]; then TORCH_ENV+=(OPENBLAS_CORETYPE="$CORETYPE"); fi

if [ "$MLP" = 1 ]; then
  echo
  echo "## QuantHdl engine"
  dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- gemm 512x512x512 1024x1024x1024
  dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- train --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS"

  echo
  echo "## PyTorch, 1 thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)"
  "${TORCH_ENV[@]}" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_mlp.py --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads 1
  echo
  echo "## PyTorch, default threads (torch's and OpenBLAS's own defaults)"
  "${TORCH_ENV[@]}" /usr/bin/python3 bench/torch_mlp.py --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads default
fi

if [ "$LENET" = 1 ]; then
echo
echo "## LeNet-5, QuantHdl engine"
dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- train --model lenet5 --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS"
echo
echo "## LeNet-5, PyTorch, 1 thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)"
"${TORCH_ENV[@]}" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_lenet.py --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads 1
echo
echo "## LeNet-5, PyTorch, default threads (torch's and OpenBLAS's own defaults)"
"${TORCH_ENV[@]}" /usr/bin/python3 bench/torch_lenet.py --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads default
fi

if [ "$RESNET" = 1 ]; then
  echo
  echo "## ResNet-8, QuantHdl engine"
  dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- train --model resnet8 --limit "$LIMIT" --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS"
  echo
  echo "## ResNet-8, PyTorch, 1 thread (torch.set_num_threads(1), OPENBLAS_NUM_THREADS=1)"
  "${TORCH_ENV[@]}" OPENBLAS_NUM_THREADS=1 /usr/bin/python3 bench/torch_resnet8.py --limit "$LIMIT" --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads 1
  echo
  echo "## ResNet-8, PyTorch, default threads (torch's and OpenBLAS's own defaults)"
  "${TORCH_ENV[@]}" /usr/bin/python3 bench/torch_resnet8.py --limit "$LIMIT" --data "$DATA" --epochs "$EPOCHS" --qat-epochs "$QAT_EPOCHS" --threads default
fi

if [ "$BDN" = 1 ]; then
  echo
  echo "## BenchmarkDotNet GEMM suite (ShortRun)"
  dotnet run -c Release --no-build --project bench/QuantHdl.Bench -- --filter '*GemmBenchmarks*'
fi
