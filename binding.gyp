{
  "targets": [
    {
      "target_name": "deeprank_kernels",
      "sources": ["native/kernels.c"],
      "cflags": ["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=c11"],
      "cflags!": ["-O2"]
    },
    {
      "target_name": "deeprank_ort",
      "sources": ["native/ort-session.c", "native/custom-op.c", "native/gemm-bf16-op.c", "native/elementwise-ops.c", "native/bf16-gemm.c"],
      "cflags": ["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=c11"],
      "cflags!": ["-O2"],
      "conditions": [["OS=='linux'", { "libraries": ["-ldl"] }]]
    }
  ]
}
