
edge-npu(€ @@P