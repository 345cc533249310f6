#!/usr/bin/env python3
"""The NICE model of Nice.MLNet, written in plain PyTorch, for the side-by-side benchmark (nice-perf compare).

Same architecture as src/Nice.MLNet/Flow (Dinh, Krueger & Bengio, arXiv:1410.8516): interleaved additive couplings
y2 = x2 + m(x1) with split/merge by index_select, MLP m = (Linear + ReLU) x hidden then Linear, diagonal scaling
h = exp(s) * y, logistic prior. Each sub-command prints one line "RESULT {json}" for the orchestrator.

  info                        which BLAS is loaded (file, OpenBLAS core and config), torch's build config
  train  --data F --rows R --dim D --epochs E --batch B --threads T
  score  --data F --rows R --dim D --batch B --threads T [--params P --expect E]
  gemm   --threads T --batch B --dim D --couplings C --hidden H --width W
"""
import argparse, ctypes, json, os, sys, time
import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


def blas_info():
    libs = sorted({l.split()[-1] for l in open('/proc/self/maps') if 'blas' in l.lower() or 'lapack' in l.lower()})
    core = config = None
    try:
        ob = ctypes.CDLL('libopenblas.so.0')
        ob.openblas_get_corename.restype = ctypes.c_char_p
        ob.openblas_get_config.restype = ctypes.c_char_p
        core, config = ob.openblas_get_corename().decode(), ob.openblas_get_config().decode()
    except OSError:
        pass
    return {'blas_files': libs, 'openblas_core': core, 'openblas_config': config,
            'torch': torch.__version__, 'numpy': np.__version__, 'torch_threads': torch.get_num_threads()}


class Coupling(nn.Module):
    def __init__(self, d, k, hidden, width):
        super().__init__()
        even, odd = list(range(0, d, 2)), list(range(1, d, 2))
        first, second = (odd, even) if k % 2 == 1 else (even, odd)
        order = first + second
        inverse = [0] * d
        for p, i in enumerate(order):
            inverse[i] = p
        self.register_buffer('first', torch.tensor(first), persistent=False)
        self.register_buffer('second', torch.tensor(second), persistent=False)
        self.register_buffer('unpermute', torch.tensor(inverse), persistent=False)
        layers, fan_in = [], len(first)
        for _ in range(hidden):
            layers += [nn.Linear(fan_in, width), nn.ReLU()]
            fan_in = width
        out = nn.Linear(fan_in, len(second))
        nn.init.zeros_(out.weight)
        nn.init.zeros_(out.bias)
        self.m = nn.Sequential(*layers, out)

    def forward(self, x):
        x1, x2 = x.index_select(1, self.first), x.index_select(1, self.second)
        return torch.cat([x1, x2 + self.m(x1)], 1).index_select(1, self.unpermute)


class Nice(nn.Module):
    def __init__(self, d, couplings, hidden, width):
        super().__init__()
        self.couplings = nn.ModuleList([Coupling(d, k, hidden, width) for k in range(couplings)])
        self.s = nn.Parameter(torch.zeros(d))

    def encode(self, x):
        for c in self.couplings:
            x = c(x)
        h = x * self.s.exp()
        ll = -(F.softplus(h) + F.softplus(-h)).sum(1) + self.s.sum()
        return h, ll


def load_rows(path, rows, d):
    x = np.fromfile(path, dtype=np.float32, count=rows * d)
    if x.size != rows * d:
        sys.exit(f'{path}: expected {rows} rows of {d} floats, found {x.size // d}')
    return torch.from_numpy(x.reshape(rows, d))


def load_params(model, path):
    """Parameters written by nice-perf prepare: per parameter int32 length of name, name, int32 count, floats."""
    raw = open(path, 'rb').read()
    pos, values = 0, []
    while pos < len(raw):
        n = int.from_bytes(raw[pos:pos + 4], 'little'); pos += 4
        name = raw[pos:pos + n].decode(); pos += n
        c = int.from_bytes(raw[pos:pos + 4], 'little'); pos += 4
        values.append((name, np.frombuffer(raw, dtype=np.float32, count=c, offset=pos))); pos += 4 * c
    # Ours: layers.k.m.layers.{linearH,output}.{weight,bias} per coupling, then the scaling's s last.
    ours = [p for n, p in model.named_parameters() if n != 's'] + [model.s]
    if len(ours) != len(values):
        sys.exit(f'{path}: {len(values)} parameters, the PyTorch model has {len(ours)}')
    with torch.no_grad():
        for p, (name, v) in zip(ours, values):
            if p.numel() != v.size:
                sys.exit(f'{path}: parameter {name} has {v.size} values, PyTorch expects {tuple(p.shape)}')
            p.copy_(torch.from_numpy(v.copy()).reshape(p.shape))


def train(a):
    torch.manual_seed(1)
    x = load_rows(a.data, a.rows, a.dim)
    model = Nice(a.dim, a.couplings, a.hidden, a.width)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.99), eps=1e-4,
                           foreach=(a.adam == 'foreach'))
    g = torch.Generator().manual_seed(1)
    per_epoch = []
    for epoch in range(a.epochs):
        t = time.perf_counter()
        perm = torch.randperm(a.rows, generator=g)
        for i in range(0, a.rows, a.batch):
            xb = x.index_select(0, perm[i:i + a.batch])
            opt.zero_grad(set_to_none=True)
            loss = -model.encode(xb)[1].mean()
            loss.item()
            loss.backward()
            opt.step()
        per_epoch.append(a.rows / (time.perf_counter() - t))
    return {'samples_per_s': per_epoch[1:], 'warmup': per_epoch[0], 'adam': a.adam}


def score(a):
    x = load_rows(a.data, a.rows, a.dim)
    model = Nice(a.dim, a.couplings, a.hidden, a.width).eval()
    if a.params:
        load_params(model, a.params)
    out = {}
    with torch.no_grad():
        if a.expect:
            e = np.fromfile(a.expect, dtype=np.float32)
            n = e.size
            ll = model.encode(x[:n])[1].numpy()
            out['max_abs_diff_ll_vs_library'] = float(np.abs(ll - e).max())
            out['max_rel_diff_ll_vs_library'] = float((np.abs(ll - e) / np.maximum(1, np.abs(e))).max())
        rates = []
        for rep in range(a.reps + 1):
            t = time.perf_counter()
            for i in range(0, a.rows, a.batch):
                model.encode(x[i:i + a.batch])
            if rep > 0:
                rates.append(a.rows / (time.perf_counter() - t))
    out['rows_per_s'] = rates
    return out


def gemm(a):
    """The forward and backward GEMMs of one training step of the model (as nice-perf gemm does), through torch (BLAS)."""
    shapes = []
    for k in range(a.couplings):
        fan_in, out = (a.dim + 1) // 2 if k % 2 == 0 else a.dim // 2, a.dim // 2 if k % 2 == 0 else (a.dim + 1) // 2
        for _ in range(a.hidden):
            shapes.append((fan_in, a.width)); fan_in = a.width
        shapes.append((fan_in, out))
    flops = sum(3 * 2.0 * a.batch * i * o for i, o in shapes)
    ts = [(torch.rand(a.batch, i), torch.rand(o, i), torch.rand(a.batch, o)) for i, o in shapes]
    times = []
    for rep in range(a.reps + 1):
        t = time.perf_counter()
        for x, w, g in ts:
            x.mm(w.t()); g.mm(w); g.t().mm(x)
        if rep > 0:
            times.append(time.perf_counter() - t)
    return {'gflops': [flops / s / 1e9 for s in times]}


def main():
    p = argparse.ArgumentParser()
    p.add_argument('command', choices=['info', 'train', 'score', 'gemm'])
    p.add_argument('--data'); p.add_argument('--params'); p.add_argument('--expect')
    p.add_argument('--rows', type=int, default=5120); p.add_argument('--dim', type=int, default=784)
    p.add_argument('--couplings', type=int, default=4); p.add_argument('--hidden', type=int, default=5)
    p.add_argument('--width', type=int, default=1000); p.add_argument('--batch', type=int, default=256)
    p.add_argument('--epochs', type=int, default=3); p.add_argument('--reps', type=int, default=3)
    p.add_argument('--threads', type=int, default=0)
    p.add_argument('--adam', choices=['for-loop', 'foreach'], default='foreach')
    a = p.parse_args()
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    result = {'info': blas_info, 'train': train, 'score': score, 'gemm': gemm}[a.command]
    r = result() if a.command == 'info' else result(a)
    r['threads'] = torch.get_num_threads()
    print('RESULT ' + json.dumps(r), flush=True)


if __name__ == '__main__':
    main()
