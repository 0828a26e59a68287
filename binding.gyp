{
  "targets": [
    {
      "target_name": "deeprank_kernels",
      "sources": ["native/kernels.c"],
      "cflags": ["-O3", "-fno-math-errno", "-ffp-contract=off", "-std=c11"],
      "cflags!": ["-O2"]
    }
  ]
}
