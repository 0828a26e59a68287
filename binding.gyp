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
      "sources": ["native/ort-session.c"],
      "cflags": ["-O2", "-std=c11"],
      "conditions": [["OS=='linux'", { "libraries": ["-ldl"] }]]
    }
  ]
}
