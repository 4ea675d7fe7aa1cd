"""The lesson's steps, part 2: the error signal back, the gradients, the mini-batch form, the update and momentum.

Markdown with $…$ math and <<name>> placeholders (:func:`lab.lesson.facts`), filled by
:func:`lab.lesson.render` from the step's own pass.
"""

from __future__ import annotations

from . import Template
from . import first_forward as _first_forward
from . import written as _step

SECOND: tuple[Template, ...] = (
    _step("Backward to layer 1: the same rule again", "delta1", "sample", r"""
    <<further>> $z^{(1)}_m$ affects the loss only through
    $a^{(1)}_m$, which feeds every $z^{(2)}_k$ through the weight $w^{(2)}_{km}$, and
    everything above $z^{(2)}_k$ is already summed up in $\delta^{(2)}_k$. So

    $$\boldsymbol{\delta}^{(1)} = \sigma'\left(\mathbf{z}^{(1)}\right) \odot
    \left(\left(\mathbf{W}^{(2)}\right)^\top\boldsymbol{\delta}^{(2)}\right), \qquad
    <<back1_shape>> .$$

    This reuse is the whole point of backpropagation. Written without the $\delta$'s,
    $\partial L/\partial z^{(1)}_m$ is <<paths>>;
    instead we computed $\boldsymbol{\delta}^{(2)}$ once and use it for all of layer 1. The
    general rule, for every layer below the output, is

    $$\boldsymbol{\delta}^{(q)} = \sigma'\left(\mathbf{z}^{(q)}\right) \odot
    \left(\left(\mathbf{W}^{(q+1)}\right)^\top\boldsymbol{\delta}^{(q+1)}\right);$$

    the output layer has no $\sigma'$ factor because it applies no $\sigma$. In the picture
    the edges of $\mathbf{W}^{(2)}$ are lit: they now carry $\boldsymbol{\delta}^{(2)}$ down.
    Look at the numbers below: the largest entry of $\boldsymbol{\delta}^{(1)}$ in size is
    <<max_d1>>, against <<max_d3>> at the output. Each layer multiplies the signal by
    weights and by <<fade>>.
    """, when=lambda L: L > 2),

    _step("Gradients from δ and the activations", "grads", "sample", r"""
    Now each parameter's gradient takes one line. A bias $b^{(q)}_i$ enters only
    $z^{(q)}_i$, with coefficient 1, so $\partial L/\partial b^{(q)}_i = \delta^{(q)}_i$. A
    weight $w^{(q)}_{ij}$ enters only $z^{(q)}_i$, multiplied by $a^{(q-1)}_j$, so
    $\partial L/\partial w^{(q)}_{ij} = \delta^{(q)}_i\,a^{(q-1)}_j$: the error signal at the
    neuron the edge points **to**, times the activation at the neuron it comes **from**. The
    matrix with entries $\delta_i a_j$ is the outer product of the two vectors:

    $$\frac{\partial L}{\partial \mathbf{W}^{(q)}} =
    \boldsymbol{\delta}^{(q)}\left(\mathbf{a}^{(q-1)}\right)^\top, \qquad
    \frac{\partial L}{\partial \mathbf{b}^{(q)}} = \boldsymbol{\delta}^{(q)},$$

    shapes $(n_q\times1)(1\times n_{q-1}) = n_q\times n_{q-1}$, the shape of
    $\mathbf{W}^{(q)}$, as it must be: one partial derivative per weight. For layer 1,
    $\mathbf{a}^{(0)} = \mathbf{x}$.

    Look at the numbers below: <<g_entry>>. An activation near 0 makes
    the gradients of its outgoing edges small however large the error: those edges hardly
    influenced this sample's loss. The picture's edges now show $\partial L/\partial w$.

    <<penalty_grad>>
    """, try_this=r"""
    Hover over an edge to read $w$ and $\partial L/\partial w$. The **Gradient check** tab
    compares all <<n_params>> of these derivatives with finite differences.
    """),

    _step("Many samples at once: the row form", _first_forward, "batch", r"""
    Training does not use one sample at a time but a **mini-batch** of $N$ samples, and
    stores each sample as a **row**: $\mathbf{X} \in \mathbb{R}^{N\times <<n0>>}$ has
    $\mathbf{x}_n^\top$ as its row $n$, and likewise
    $\mathbf{Z}^{(q)}, \mathbf{A}^{(q)} \in \mathbb{R}^{N\times n_q}$ with
    $\mathbf{A}^{(0)} = \mathbf{X}$; the targets and predictions are the rows of
    $\mathbf{Y}, \hat{\mathbf{Y}} \in \mathbb{R}^{N\times <<nL>>}$. Here $N = <<N>>$: the
    training rows <<rows>>, starting with the lesson's sample.

    Transposing $\mathbf{z} = \mathbf{W}\mathbf{a} + \mathbf{b}$ gives the row version
    $\mathbf{z}^\top = \mathbf{a}^\top\mathbf{W}^\top + \mathbf{b}^\top$, and stacking the
    $N$ rows gives

    $$\mathbf{Z}^{(q)} = \mathbf{A}^{(q-1)}\left(\mathbf{W}^{(q)}\right)^\top \oplus
    \left(\mathbf{b}^{(q)}\right)^\top, \qquad (N\times n_{q-1})(n_{q-1}\times n_q) =
    N\times n_q,$$

    where $\oplus$ adds the row $(\mathbf{b}^{(q)})^\top$ to **every** row (numpy calls this
    broadcasting). The weights are the same matrix, transposed and now multiplying from the
    right. Look at the numbers below: the first row of $\mathbf{Z}^{(1)}$ is the
    $\mathbf{z}^{(1)}$ of the one-sample steps, lying down. The picture cannot show
    $N$ values per node: it shows their mean over the batch.
    """, try_this=r"""
    In the *Backprop, step by step* tab choose the form **batch** and, under the **Batch**
    button, set **Mini-batch size N** to see every stage in this form.
    """),

    _step("Where the 2/N comes from", "delta{L}", "batch", r"""
    With $N$ samples, the loss is the **mean** of the per-sample losses $\ell_n$, each the
    squared error of one row as in the loss step:

    $$L = \frac1N\sum_{n=1}^{N}\ell_n = \frac1N\sum_{n=1}^{N}\sum_{l=1}^{<<nL>>}
    \left(\hat{Y}_{nl} - Y_{nl}\right)^2 .$$

    The mean rather than the sum, so that the size of the loss and of its gradient does not
    depend on $N$. The error signal becomes a matrix of the same shape as $\mathbf{Z}^{(q)}$,
    $\boldsymbol{\Delta}^{(q)} = \partial L/\partial \mathbf{Z}^{(q)} \in
    \mathbb{R}^{N\times n_q}$. Entry $(n, l)$ of $\hat{\mathbf{Y}}$ appears only in the term
    $\ell_n$, which carries the factor $\frac1N$, and differentiating its square gives the 2:

    $$\boldsymbol{\Delta}^{(<<L>>)} = \frac{2}{N}\left(\hat{\mathbf{Y}} - \mathbf{Y}\right) .$$

    The 2 is the square's (no $\frac12$, as before), the $\frac1N$ is the mean's. So row $n$
    of $\boldsymbol{\Delta}^{(<<L>>)}$ is $\frac1N$ times sample $n$'s own
    $\boldsymbol{\delta}^{(<<L>>)}$, lying down. Look at the numbers below: $N = <<N>>$, so every
    entry is $\frac2N = <<two_over_N>>$ times a difference; the first entry is
    $<<pd31>>/<<N>> = <<D31>>$, where $<<d31>>$ is $\delta^{(<<L>>)}_1$ of the one-sample steps.

    <<down_rows>>
    """),

    _step("The batch gradient is the mean of the samples' gradients", "grads", "batch", r"""
    The gradients follow from $\boldsymbol{\Delta}$ as before, turned into the row form:

    $$\frac{\partial L}{\partial \mathbf{W}^{(q)}} =
    \left(\boldsymbol{\Delta}^{(q)}\right)^\top\mathbf{A}^{(q-1)}, \qquad
    \frac{\partial L}{\partial \mathbf{b}^{(q)}} = \mathbf{1}_N^\top\boldsymbol{\Delta}^{(q)},$$

    shapes $(n_q\times N)(N\times n_{q-1}) = n_q\times n_{q-1}$ and
    $(1\times N)(N\times n_q) = 1\times n_q$. $\mathbf{1}_N$ is a column of $N$ ones, so
    $\mathbf{1}_N^\top$ adds up the rows, and the bias gradient comes out as a row.

    Why is this right? A product $\mathbf{P}^\top\mathbf{Q}$ is the sum over $n$ of the
    outer products of row $n$ of $\mathbf{P}$ with row $n$ of $\mathbf{Q}$, and row $n$ of
    $\boldsymbol{\Delta}^{(q)}$ is $\frac1N(\boldsymbol{\delta}^{(q)}_n)^\top$. So

    $$\left(\boldsymbol{\Delta}^{(q)}\right)^\top\mathbf{A}^{(q-1)} =
    \frac1N\sum_{n=1}^{N}\boldsymbol{\delta}^{(q)}_n\left(\mathbf{a}^{(q-1)}_n\right)^\top =
    \frac1N\sum_{n=1}^{N}\frac{\partial \ell_n}{\partial \mathbf{W}^{(q)}},$$

    the mean of the per-sample gradients, which is exactly what the derivative of a mean must
    be. Look at the numbers below, for the output layer: the batch formulas, then the same
    matrix as the mean of the <<N>> per-sample gradients. They differ by at most
    <<maxdiff>>, the rounding of floating-point arithmetic.
    """, equations=lambda L: (2 * L - 2, 2 * L - 1, 2 * L)),

    _step("One step of gradient descent", "update", "batch", r"""
    The gradient $\nabla L$, all <<n_params>> partial derivatives together, points in the direction in
    which the loss grows fastest. To make the loss smaller, step the other way, by a small
    multiple $\gamma > 0$ called the **learning rate**. One step of **stochastic gradient
    descent** (SGD) changes every parameter $\theta$ to

    $$\theta \leftarrow \theta - \gamma\,\frac{\partial L}{\partial \theta}, \qquad
    \text{for example}\qquad
    \mathbf{W}^{(<<L>>)} \leftarrow \mathbf{W}^{(<<L>>)} - \gamma\,\frac{\partial L}{\partial
    \mathbf{W}^{(<<L>>)}} .$$

    All gradients are computed at the current parameters first; only then does any parameter
    change (<<mix>>). "Stochastic" because each step uses another
    small random batch, a noisy estimate of the gradient over the whole training set.

    Here $\gamma = <<lr>>$. Look at the numbers below, for the output layer<<others_same>>: the old matrix minus $\gamma$ times the gradient gives the new
    one. On these <<N>> samples the loss <<loss_change>>.
    """, equations=lambda L: (2 * L - 2, 2 * L - 1), try_this=r"""
    Set **Learning rate γ** in the sidebar to 1 or 3 and read the loss after the step again:
    a step that is too large overshoots, and the loss goes up instead of down.
    """),

    _step("Training: many steps, with momentum", "update", "batch", r"""
    Training repeats this step on batch after batch. One pass over the whole training set
    is an **epoch**, and the samples are shuffled before each. The **Train** tab does this
    with one refinement, **momentum**: each parameter has a **velocity** $\mathbf{v}$,
    starting at zero, and every step does

    $$\mathbf{v} \leftarrow \mu\,\mathbf{v} + \nabla L, \qquad
    \boldsymbol{\theta} \leftarrow \boldsymbol{\theta} - \gamma\,\mathbf{v} .$$

    $\mathbf{v}$ is a running sum of the past gradients in which a gradient's weight shrinks
    by the factor $\mu$ with every later step. Where the gradients keep pointing the same way, the steps build up
    speed, up to $\frac{1}{1-\mu}$ times a plain step (10 times for the app's default
    $\mu = 0.9$); where they keep flipping sign, they cancel out. With $\mu = 0$ it is the
    plain SGD step. Look at the numbers below: on the very first step
    $\mathbf{v} = \nabla L$, so the update is the plain one shown here; on later steps,
    $\mathbf{v}$ takes the place of the gradient in this equation.

    That is the whole algorithm: forward pass, loss, error signals from the top down,
    gradients, update, repeated. The **Derivation** tab has all of it on one page.
    """, equations=lambda L: (2 * L - 2,), try_this=r"""
    Press **Play** in the **Train** tab and watch the loss fall; then set **Momentum μ** in
    the sidebar to 0, press **Reset weights** and train again to compare.
    """),
)

