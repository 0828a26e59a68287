#!/usr/bin/env python3
"""PyTorch reference benchmark for deeprank.

Trains and runs inference on the same three model shapes that deeprank
benchmarks on ONNX Runtime, so both sides can be compared on one machine:

  mlp              6 tables 10,000 x 32 -> concat 192 -> 256 relu -> 256 relu -> 1
  dcnv2            same embeddings, 2 full-rank DCN-v2 cross layers
                   x_{l+1} = x0 * (W_l x_l + b_l) + x_l  (W 192x192),
                   then the same 256-256-1 MLP (stacked)
  embedding-heavy  8 tables 1,000,000 x 32 -> concat 256 -> 256-256-1 MLP

Loss is BCE-with-logits on Bernoulli(0.5) labels; ids are uniform per table.
A pool of distinct batches is generated up front (seeded torch.Generator)
and cycled, so data generation is never timed. Prints exactly one JSON line
on stdout. Run it with Debian's python, which has python3-torch:

  /usr/bin/python3 bench/reference.py --model mlp --threads 1
  /usr/bin/python3 bench/reference.py --model dcnv2 --threads 2 --latency 500 --requests 1000
  /usr/bin/python3 bench/reference.py --model embedding-heavy --threads 2 --sparse

Performance notes (2-vCPU bench VM):
  * Debian's torch is built with BLAS_INFO=generic and links libblas.so.3,
    which by default resolves to the netlib *reference* BLAS (unoptimised,
    single-threaded). The JSON "blas" field shows which library was actually
    loaded, and a warning goes to stderr when it is the reference one. For a
    meaningful comparison use OpenBLAS, e.g. install libopenblas0-openmp, or
    LD_LIBRARY_PATH=<dir containing OpenBLAS's libblas.so.3>.
  * --threads N also sets OMP/OPENBLAS/MKL/BLIS_NUM_THREADS before torch is
    loaded. With a pthread OpenBLAS (libopenblas0-pthread) the script also
    defaults OMP_WAIT_POLICY=passive: otherwise torch's spinning OpenMP
    workers compete with OpenBLAS's threads and 2 threads run ~2x slower
    than 1. With an OpenMP OpenBLAS (libopenblas0-openmp, the best option
    measured) the default active policy is kept, because passive costs
    ~30-50% there. An OMP_WAIT_POLICY already in the environment is respected.
  * glibc malloc is tuned (mallopt: fixed 32 MiB mmap threshold, no trimming)
    so per-step activation/gradient buffers are reused instead of being
    mmap'ed and page-faulted every step; --no-malloc-tuning turns this off.
  * Every step is timed individually. *_samples_per_s is total samples /
    total timed seconds; *_step_ms_p50 is the noise-robust figure.

Exit codes: 0 ok, 2 usage error, 3 torch cannot be imported.
"""

import argparse
import json
import os
import sys
import time


def _prescan_threads(argv):
    """--threads must take effect before torch (and its BLAS) is loaded."""
    for i, a in enumerate(argv):
        val = None
        if a == "--threads" and i + 1 < len(argv):
            val = argv[i + 1]
        elif a.startswith("--threads="):
            val = a.split("=", 1)[1]
        if val is not None and val.isdigit() and int(val) > 0:
            return val
    return None


def _blas_threading():
    """Threading model of the libblas.so.3 that torch will link: 'pthreads',
    'openmp' or 'sequential' for OpenBLAS, None for anything else. Loading it
    here, before torch, is harmless: torch then reuses the same library."""
    try:
        import ctypes

        fn = getattr(ctypes.CDLL("libblas.so.3"), "openblas_get_parallel", None)
        return {0: "sequential", 1: "pthreads", 2: "openmp"}.get(fn()) if fn else None
    except (OSError, AttributeError):
        return None


_threads = _prescan_threads(sys.argv[1:])
if _threads is not None:
    for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "BLIS_NUM_THREADS"):
        os.environ[_var] = _threads
BLAS_THREADING = _blas_threading()
if BLAS_THREADING == "pthreads":
    # A pthread OpenBLAS runs its own worker threads next to torch's OpenMP
    # pool; with the default (active) wait policy the spinning OpenMP workers
    # steal the cores from OpenBLAS and 2 threads end up slower than 1.
    # Must be set before libgomp is loaded (i.e. before torch).
    os.environ.setdefault("OMP_WAIT_POLICY", "passive")

try:
    import torch
    import torch.nn as nn
except Exception as exc:  # ImportError, or a broken install raising OSError
    _msg = str(exc).splitlines()[0] if str(exc) else ""
    print(
        "reference.py: cannot import torch (%s: %s); run with /usr/bin/python3 "
        "after 'apt-get install python3-torch'" % (type(exc).__name__, _msg),
        file=sys.stderr,
    )
    sys.exit(3)


MODELS = {
    # name: (num_tables, rows_per_table, num_cross_layers, default_batch, default_optimizer)
    "mlp": (6, 10_000, 0, 1024, "adam"),
    "dcnv2": (6, 10_000, 2, 1024, "adam"),
    "embedding-heavy": (8, 1_000_000, 0, 4096, "adagrad"),
}
EMB_DIM = 32
HIDDEN = 256
DEFAULT_LR = {"adam": 1e-3, "adagrad": 0.01}
POOL_SIZE = 20
# Scoring is timed over at least this many seconds (see bench/run.ts).
SCORING_MIN_S = 1.0


def default_steps_warmup(model, sparse):
    if model == "embedding-heavy":
        # A dense-gradient step updates all 256M embedding parameters
        # (~1.5 s/step on 2 cores with OpenBLAS, ~2.3 s with reference BLAS),
        # so keep the run under a minute. Sparse steps are ~50x cheaper.
        return (30, 3) if sparse else (10, 2)
    return (50, 5)


class RankingModel(nn.Module):
    def __init__(self, num_tables, rows, num_cross, sparse):
        super().__init__()
        self.tables = nn.ModuleList(
            nn.Embedding(rows, EMB_DIM, sparse=sparse) for _ in range(num_tables)
        )
        for t in self.tables:
            nn.init.uniform_(t.weight, -0.05, 0.05)
        width = num_tables * EMB_DIM
        self.cross = nn.ModuleList(nn.Linear(width, width) for _ in range(num_cross))
        self.mlp = nn.Sequential(
            nn.Linear(width, HIDDEN),
            nn.ReLU(),
            nn.Linear(HIDDEN, HIDDEN),
            nn.ReLU(),
            nn.Linear(HIDDEN, 1),
        )

    def forward(self, ids):
        # ids: int64 [batch, num_tables], one id per table per sample
        x0 = torch.cat([t(ids[:, i]) for i, t in enumerate(self.tables)], dim=1)
        x = x0
        for layer in self.cross:  # DCN-v2 full-rank cross layer
            x = x0 * layer(x) + x
        return self.mlp(x).squeeze(1)  # logits


def make_pool(gen, count, batch, num_tables, rows):
    pool = []
    for _ in range(count):
        ids = torch.randint(0, rows, (batch, num_tables), generator=gen, dtype=torch.int64)
        labels = torch.bernoulli(torch.full((batch,), 0.5), generator=gen)
        pool.append((ids, labels))
    return pool


def make_optimizers(model, name, lr, sparse):
    """With --sparse the embedding tables get a sparse-capable optimizer
    (SparseAdam, or Adagrad which accepts sparse gradients) and the dense
    layers the ordinary one; otherwise one optimizer covers everything."""
    dense_cls = torch.optim.Adam if name == "adam" else torch.optim.Adagrad
    if not sparse:
        return [dense_cls(model.parameters(), lr=lr)]
    emb_params = list(model.tables.parameters())
    emb_ids = {id(p) for p in emb_params}
    other = [p for p in model.parameters() if id(p) not in emb_ids]
    sparse_cls = torch.optim.SparseAdam if name == "adam" else torch.optim.Adagrad
    return [sparse_cls(emb_params, lr=lr), dense_cls(other, lr=lr)]


def tune_malloc():
    """Keep large freed blocks in the glibc heap instead of munmap'ing them."""
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6")
        M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3
        ok = libc.mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024) == 1
        return libc.mallopt(M_TRIM_THRESHOLD, 1 << 30) == 1 and ok
    except Exception:
        return False


def loaded_blas():
    """Real path of the BLAS implementation mapped into this process (Linux)."""
    try:
        paths, libblas_real = [], set()
        with open("/proc/self/maps") as f:
            for line in f:
                path = line.split()[-1]
                name = os.path.basename(path).lower()
                if path.startswith("/") and ("blas" in name or "blis" in name or "mkl" in name):
                    real = os.path.realpath(path)
                    if name.startswith("libblas.so"):
                        libblas_real.add(real)
                    if real not in paths:
                        paths.append(real)
        # torch links libblas.so.3, so whatever that resolves to is what it
        # calls (another BLAS may be mapped too, e.g. pulled in by liblapack)
        for p in paths:
            if p in libblas_real:
                return p
        return paths[0] if paths else None
    except OSError:
        return None


def percentile(sorted_vals, q):
    """Nearest-rank percentile of an ascending list."""
    k = -(-q * len(sorted_vals) // 100) - 1  # ceil(q/100 * n) - 1
    return sorted_vals[max(0, min(len(sorted_vals) - 1, k))]


def parse_args(argv):
    ap = argparse.ArgumentParser(description="PyTorch reference benchmark for deeprank")
    ap.add_argument("--model", choices=sorted(MODELS), required=True)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--batch", type=int, default=None,
                    help="default 1024 (4096 for embedding-heavy)")
    ap.add_argument("--steps", type=int, default=None,
                    help="timed training and inference steps; default 50 "
                         "(embedding-heavy: 10 dense, 30 sparse); 0 skips both phases")
    ap.add_argument("--warmup", type=int, default=None,
                    help="untimed steps before each timed phase; default 5 "
                         "(embedding-heavy: 2 dense, 3 sparse)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--optimizer", choices=["adam", "adagrad"], default=None,
                    help="default adam (mlp, dcnv2) / adagrad (embedding-heavy)")
    ap.add_argument("--lr", type=float, default=None,
                    help="default 1e-3 for adam, 0.01 for adagrad")
    ap.add_argument("--sparse", action="store_true",
                    help="embedding-heavy only: nn.Embedding(sparse=True) with "
                         "SparseAdam / Adagrad for the tables")
    ap.add_argument("--latency", type=int, default=None, metavar="ROWS",
                    help="also time --requests single forward calls of ROWS rows "
                         "and report latency_p50_ms / latency_p99_ms")
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--autocast", choices=["bf16"], default=None,
                    help="train and score under torch.autocast('cpu', dtype=torch.bfloat16), PyTorch's "
                         "own mixed precision (the counterpart of deeprank's train.precision bf16 "
                         "and of its bf16 scoring)")
    ap.add_argument("--no-malloc-tuning", action="store_true",
                    help="leave glibc malloc at its defaults")
    args = ap.parse_args(argv)

    num_tables, rows, num_cross, default_batch, default_opt = MODELS[args.model]
    d_steps, d_warmup = default_steps_warmup(args.model, args.sparse)
    args.batch = default_batch if args.batch is None else args.batch
    args.steps = d_steps if args.steps is None else args.steps
    args.warmup = d_warmup if args.warmup is None else args.warmup
    args.optimizer = args.optimizer or default_opt
    args.lr = DEFAULT_LR[args.optimizer] if args.lr is None else args.lr
    if args.sparse and args.model != "embedding-heavy":
        ap.error("--sparse is only supported with --model embedding-heavy")
    if args.threads < 1 or args.batch < 1:
        ap.error("--threads and --batch must be >= 1")
    if args.steps < 0 or args.warmup < 0:
        ap.error("--steps and --warmup must be >= 0")
    if args.latency is not None and (args.latency < 1 or args.requests < 1):
        ap.error("--latency and --requests must be >= 1")
    if args.steps == 0 and args.latency is None:
        ap.error("--steps 0 without --latency measures nothing")
    return args, (num_tables, rows, num_cross)


def main(argv=None):
    args, (num_tables, rows, num_cross) = parse_args(sys.argv[1:] if argv is None else argv)

    malloc_tuned = False if args.no_malloc_tuning else tune_malloc()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    gen = torch.Generator().manual_seed(args.seed)

    blas = loaded_blas()
    if blas and "/blas/libblas" in blas:
        print(
            "reference.py: warning: torch is using the netlib reference BLAS (%s); "
            "matmul throughput is far below an optimised BLAS such as OpenBLAS" % blas,
            file=sys.stderr,
        )

    model = RankingModel(num_tables, rows, num_cross, args.sparse)
    optimizers = make_optimizers(model, args.optimizer, args.lr, args.sparse)
    loss_fn = nn.BCEWithLogitsLoss()
    pool = make_pool(gen, POOL_SIZE, args.batch, num_tables, rows)
    param_bytes = sum(p.numel() * p.element_size() for p in model.parameters())

    result = {
        "engine": "pytorch",
        "torch": torch.__version__,
        "model": args.model,
        "threads": torch.get_num_threads(),
        "batch": args.batch,
        "steps": args.steps,
        "warmup": args.warmup,
        "optimizer": args.optimizer,  # with --sparse, adam means SparseAdam for the tables
        "lr": args.lr,
        "seed": args.seed,
        "train_samples_per_s": None,
        "infer_samples_per_s": None,
        "train_step_ms_p50": None,
        "infer_step_ms_p50": None,
        "infer_int8_samples_per_s": None,
        "final_loss": None,
        "sparse": args.sparse,
        "param_bytes": param_bytes,
        "blas": blas,
        "blas_threading": BLAS_THREADING,
        "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
        "malloc_tuned": malloc_tuned,
        "autocast": args.autocast,
    }

    # ---- training: forward, backward, optimizer step ----
    def train_step(i):
        ids, labels = pool[i % POOL_SIZE]
        for opt in optimizers:
            opt.zero_grad(set_to_none=True)
        if args.autocast:
            with torch.autocast("cpu", dtype=torch.bfloat16):
                logits = model(ids)
            loss = loss_fn(logits.float(), labels)
        else:
            loss = loss_fn(model(ids), labels)
        loss.backward()
        for opt in optimizers:
            opt.step()
        return loss

    def summarize(times, prefix):
        total = sum(times)
        result[prefix + "_samples_per_s"] = round(len(times) * args.batch / total, 1)
        result[prefix + "_step_ms_p50"] = round(percentile(sorted(times), 50) * 1e3, 3)

    if args.steps > 0:
        model.train()
        for i in range(args.warmup):
            train_step(i)
        times, loss = [], None
        for i in range(args.warmup, args.warmup + args.steps):
            t0 = time.perf_counter()
            loss = train_step(i)
            times.append(time.perf_counter() - t0)
        summarize(times, "train")
        result["final_loss"] = round(loss.item(), 6)

    # ---- inference: forward only, same batches ----
    model.eval()
    with torch.no_grad():
        def time_scoring(scorer, prefix):
            for i in range(args.warmup):
                scorer(pool[i % POOL_SIZE][0])
            # At least --steps batches and at least SCORING_MIN_S, as bench/run.ts times deeprank.
            times, i = [], args.warmup
            while len(times) < args.steps or sum(times) < SCORING_MIN_S:
                ids = pool[i % POOL_SIZE][0]
                t0 = time.perf_counter()
                scorer(ids)
                times.append(time.perf_counter() - t0)
                i += 1
            summarize(times, prefix)

        if args.steps > 0 and args.autocast:
            # Under its bf16 autocast: the counterpart of deeprank scoring with bf16 products.
            def autocast_scorer(ids):
                with torch.autocast("cpu", dtype=torch.bfloat16):
                    return model(ids)
            time_scoring(autocast_scorer, "infer")
        if args.steps > 0 and not args.autocast:
            time_scoring(model, "infer")
            # int8: PyTorch's dynamic quantization of every nn.Linear (weights int8 per tensor,
            # activations quantized per call), the counterpart of a deeprank bundle made with
            # --quantize int8. oneDNN is the x86 engine this build has.
            if "onednn" in torch.backends.quantized.supported_engines:
                torch.backends.quantized.engine = "onednn"
                time_scoring(torch.ao.quantization.quantize_dynamic(model, {nn.Linear}, dtype=torch.qint8), "infer_int8")

        # ---- latency: single forward calls of --latency rows each ----
        if args.latency is not None:
            reqs = [ids for ids, _ in make_pool(gen, POOL_SIZE, args.latency, num_tables, rows)]
            for i in range(max(args.warmup, 10)):
                model(reqs[i % POOL_SIZE])
            lat = []
            for i in range(args.requests):
                ids = reqs[i % POOL_SIZE]
                t0 = time.perf_counter_ns()
                model(ids)
                lat.append((time.perf_counter_ns() - t0) / 1e6)
            lat.sort()
            result.update({
                "latency_rows": args.latency,
                "latency_requests": args.requests,
                "latency_p50_ms": round(percentile(lat, 50), 4),
                "latency_p99_ms": round(percentile(lat, 99), 4),
                "latency_mean_ms": round(sum(lat) / len(lat), 4),
            })

    print(json.dumps(result), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
