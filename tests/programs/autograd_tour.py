"""The autograd tutorial's tour: requires_grad, backward with a vector, no_grad, detach,
retain_grad, hooks, and a gradient descent loop on a tiny model."""

import torch

x = torch.ones(5)
y = torch.zeros(3)
w = torch.randn(5, 3, requires_grad=True)
b = torch.randn(3, requires_grad=True)
z = torch.matmul(x, w) + b
loss = torch.nn.functional.binary_cross_entropy_with_logits(z, y)
print(f"Gradient function for z = {z.grad_fn}")
loss.backward()
print(w.grad.shape, b.grad.shape)

with torch.no_grad():
    z = torch.matmul(x, w) + b
assert not z.requires_grad
z_det = (torch.matmul(x, w) + b).detach()
assert not z_det.requires_grad

inp = torch.eye(4, 5, requires_grad=True)
out = (inp + 1).pow(2).t()
out.backward(torch.ones_like(out), retain_graph=True)
first = inp.grad.clone()
out.backward(torch.ones_like(out))
assert torch.equal(inp.grad, 2 * first)
inp.grad.zero_()

h = inp * 3
h.retain_grad()
seen = []
h.register_hook(lambda g: seen.append(g.sum().item()))
(h ** 2).sum().backward()
assert h.grad is not None and seen

# a small model trained by gradient descent
torch.manual_seed(0)
X = torch.randn(100, 3)
Y = X @ torch.tensor([[1.0], [-2.0], [0.5]]) + 0.1
W = torch.zeros(3, 1, requires_grad=True)
B = torch.zeros(1, requires_grad=True)
losses = []
for step in range(50):
    pred = X @ W + B
    loss = ((pred - Y) ** 2).mean()
    losses.append(loss.item())
    loss.backward()
    with torch.no_grad():
        W -= 0.1 * W.grad
        B -= 0.1 * B.grad
        W.grad.zero_()
        B.grad.zero_()
print(f"LOSS first={losses[0]:.6f} last={losses[-1]:.6f}")
