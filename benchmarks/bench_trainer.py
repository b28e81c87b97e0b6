"""Trainer throughput against a straightforward peer-style loop, measured in the same run.

Run: python benchmarks/bench_trainer.py [--steps S] [--widths 128 512] [--threads 1] [--device cpu]

Reference (what a peer would write): one model at a time, dense inputs drawn as
(rand(B, N) < p) * rand(B, N), an nn.Module forward, autograd and torch.optim.SGD.
superdyn: verify.train on the same configuration (sparse inputs, hand-written sparse
backward). Both run the same number of SGD steps at the same torch thread count, each
timed as the fastest of ``--repeats`` runs after a short warm-up; the ratio is superdyn's
samples per second over the reference's (the whole call of ``verify.train``: sampling,
measurements and set-up included). The achieved rate of the
dense-equivalent FLOPs (3 B N K + 2 B K^2 per step) is shown against the device's
measured float32 matmul peak.
"""

from __future__ import annotations

import argparse
import time
from functools import partial

import numpy as np
import torch
from superdyn.theory import PowerLaw, Task
from superdyn.verify import RunConfig, resolve_device, train


class PeerModel(torch.nn.Module):
    """y = ReLU(W^T B W x + bias) written the usual way."""

    def __init__(self, w, k, n):
        super().__init__()
        self.register_buffer("w", w)
        self.b = torch.nn.Parameter(torch.randn(k, k, device=w.device) * 1e-3)
        self.bias = torch.nn.Parameter(torch.zeros(n, device=w.device))

    def forward(self, x):
        return torch.relu(((x @ self.w.T) @ self.b.T) @ self.w + self.bias)


def peer_loop(n, k, batch, steps, device, p, channel):
    gen = torch.Generator(device=device).manual_seed(0)
    w = torch.randn(k, n, generator=gen, device=device)
    model = PeerModel(w / w.norm(dim=0, keepdim=True), k, n)
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    for _ in range(steps):
        x = (torch.rand(batch, n, generator=gen, device=device) < p) * torch.rand(
            batch, n, generator=gen, device=device
        )
        loss = 0.5 * ((model(x) - x * channel) ** 2).sum(1).mean()
        opt.zero_grad()
        loss.backward()
        opt.step()
    return float(loss.detach())


def matmul_peak(device, size=2048, repeats=5):
    a = torch.randn(size, size, device=device)
    best = np.inf
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        a @ a
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return 2 * size**3 / best


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--widths", type=int, nargs="+", default=[128, 512])
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads for both (1: fair on a shared box)"
    )
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda", "auto"])
    parser.add_argument("--repeats", type=int, default=3, help="timed runs of each; the fastest counts")
    parser.add_argument("--configs", type=int, default=1, help="configurations batched by superdyn (seeds)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = resolve_device(args.device)
    n, batch = 1024, 1024
    task = Task(PowerLaw(1.1), n_features=n)
    p = torch.as_tensor(task.p, dtype=torch.float32, device=device)
    channel = torch.as_tensor(task.importance, dtype=torch.float32, device=device)
    peak = matmul_peak(device)
    threads = f"{args.threads} thread(s)"
    print(f"device {device}, torch {torch.__version__}, {threads}, matmul peak {peak / 1e9:.1f} GFLOP/s")
    for k in args.widths:
        reference = partial(peer_loop, n, k, batch, device=device, p=p, channel=channel)
        ours = partial(superdyn_loop, n, k, batch, args.configs, device)
        peer = batch * args.steps / best_seconds(reference, args.steps, args.repeats, device)
        seconds = best_seconds(ours, args.steps, args.repeats, device)
        speed = args.configs * batch * args.steps / seconds
        flops = (3 * batch * n * k + 2 * batch * k * k) / batch  # dense-equivalent FLOPs per sample
        active = ours(args.steps)[0].curve["active_fraction"][-1]
        print(f"K = {k}: reference {peer:9.0f} samples/s, superdyn (x{args.configs}) {speed:9.0f} samples/s")
        print(
            f"   ratio {speed / peer:5.2f}x   dense-equivalent {speed * flops / peak:5.1%} of peak   "
            f"final active fraction {active:.3f}"
        )


def superdyn_loop(n, k, batch, n_configs, device, steps):
    """``verify.train`` on ``n_configs`` seeds of the benchmark's configuration."""
    configs = [
        RunConfig(
            model="superposition",
            n_features=n,
            width=k,
            a=1.1,
            lr=1.0,
            batch_size=batch,
            steps=steps,
            seed=s,
            points_per_decade=1,
            eval_samples=1024,
        )
        for s in range(n_configs)
    ]
    return train(configs, device=device, progress=False)


def best_seconds(loop, steps, repeats, device):
    """Fastest of ``repeats`` timed calls of ``loop(steps)``, after a short untimed warm-up call
    (one-time costs: numba's compile-cache load, allocator and kernel warm-up on a GPU)."""
    loop(5)
    best = np.inf
    for _ in range(repeats):
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        loop(steps)
        if device.type == "cuda":
            torch.cuda.synchronize()
        best = min(best, time.perf_counter() - start)
    return best


if __name__ == "__main__":
    main()
