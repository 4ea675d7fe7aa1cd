"""The lesson's steps, part 1: notation, the forward pass, the loss and the output error.

Markdown with $…$ math and <<name>> placeholders (:func:`lab.lesson.facts`), filled by
:func:`lab.lesson.render` from the step's own pass.
"""

from __future__ import annotations

from inspect import cleandoc

from . import LessonStep


def _step(title, stage, form, text, equations=None, try_this=""):
    return LessonStep(title, stage, form, cleandoc(text), equations, cleandoc(try_this))


FIRST: tuple[LessonStep, ...] = (
    _step("The network and its notation", "input", "sample", r"""
    The network has four layers, numbered $q = 0, 1, 2, 3$. Layer $q$ has $n_q$ neurons:
    $n_0 = 2$ inputs, $n_1 = 3$ and $n_2 = 4$ hidden neurons, $n_3 = 2$ outputs. Each neuron
    is joined to every neuron of the next layer by an edge with a weight:
    $2\cdot3 + 3\cdot4 + 4\cdot2 = 26$ weights, plus one bias per neuron of layers 1 to 3
    ($3 + 4 + 2 = 9$), 35 parameters in all. Training means adjusting these 35 numbers.

    For each layer $q = 1, 2, 3$ we write:

    - $\mathbf{W}^{(q)} \in \mathbb{R}^{n_q\times n_{q-1}}$, the **weight matrix**. Its entry
      $w^{(q)}_{ij}$ (row $i$, column $j$) is the weight of the edge **from** neuron $j$ of
      layer $q-1$ **to** neuron $i$ of layer $q$, so row $i$ holds everything that flows into
      neuron $i$.
    - $\mathbf{b}^{(q)} \in \mathbb{R}^{n_q}$, the **biases**, one per neuron.
    - $\mathbf{z}^{(q)} \in \mathbb{R}^{n_q}$, what each neuron adds up (the
      **pre-activation**), and $\mathbf{a}^{(q)} \in \mathbb{R}^{n_q}$, what it passes on
      (the **activation**).

    The input $\mathbf{x}$ plays the part of layer 0's activations, $\mathbf{a}^{(0)} =
    \mathbf{x}$. The output $\hat{\mathbf{y}}$ ("y hat") is the network's prediction and
    $\mathbf{y}$ the target it should match. For one sample all of these are **column**
    vectors ($n_q\times 1$). The hidden layers apply a function $\sigma$ to each entry
    separately; here it is **<<act>>**, $\sigma(z) = <<sigma>>$, as chosen under
    **Activation** in the sidebar. $\sigma'$ is its derivative, and $\odot$ multiplies two
    vectors entry by entry.

    The lesson follows training sample <<index>>: look at the numbers below, its input is
    $\mathbf{x} = (<<x1>>, <<x2>>)^\top$ and its target is $\mathbf{y} = (<<y1>>,
    <<y2>>)^\top$: a 1 in the position of its class (class <<cls>>: class 1 is $(1, 0)$,
    orange circles; class 2 is $(0, 1)$, blue squares) and 0 in the other. The picture
    shows $\mathbf{x}$ on the input nodes; the nodes of the
    other layers stay grey until they are computed. The edges are the current weights: blue
    for $w > 0$, orange for $w < 0$, thicker for a larger $|w|$.
    """, try_this=r"""
    Pick another sample in the *Backprop, step by step* tab (the **Sample** button opens
    the plane: type a row or click a point): every number in this lesson follows it.
    """),

    _step("Forward pass, layer 1: one weighted sum per neuron", "z1", "sample", r"""
    Neuron $i$ of layer 1 multiplies each input by the weight of its edge, adds the products
    up and adds its bias:

    $$z^{(1)}_i = \sum_{j=1}^{2} w^{(1)}_{ij}\,x_j + b^{(1)}_i .$$

    The sum over $j$ is row $i$ of $\mathbf{W}^{(1)}$ times the column $\mathbf{x}$, so the
    three neurons together are one matrix product:

    $$\mathbf{z}^{(1)} = \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}, \qquad
    (3\times2)(2\times1) + (3\times1) = 3\times1 .$$

    Checking shapes like this catches most mistakes: in a product the inner sizes must agree
    (here 2) and the result has the outer ones.

    Look at the numbers below: the first entry of the result is row 1 of the matrix against
    $\mathbf{x}$, plus the first bias,
    $<<w11>>\cdot<<px1>> + <<w12>>\cdot<<px2>> + <<b11>> = <<z11>>$ (redoing it from the
    rounded numbers can miss the last digit). In the picture the edges of $\mathbf{W}^{(1)}$
    are lit and the layer-1 nodes show $\mathbf{z}^{(1)}$.
    """, try_this=r"""
    Hover over an edge of the picture to read its weight, and over a node to read its $z$
    and its bias.
    """),

    _step("Forward pass, layer 1: the activation", "a1", "sample", r"""
    Each neuron then passes its sum through $\sigma$, entry by entry:

    $$\mathbf{a}^{(1)} = \sigma\left(\mathbf{z}^{(1)}\right), \qquad \sigma(z) = <<sigma>> .$$

    Why not pass $\mathbf{z}^{(1)}$ on as it is? Then every layer would compute a matrix
    product plus a constant vector, and so would the whole network, which could then only
    split the plane with a straight line. The bend of $\sigma$ is what lets the network
    learn curved boundaries.

    <<shape>> Look at the numbers below: $z^{(1)}_1 = <<z11>>$ becomes
    $a^{(1)}_1 = <<sigma_z11>> = <<a11>>$. Keep the slope of $\sigma$ in mind for the
    backward pass: $\sigma'(z) = <<dsigma>>$, <<stored>>
    """, try_this=r"""
    Set **Activation** in the sidebar to <<other>> ($\sigma(z) = <<other_sigma>>$):
    <<other_effect>>. Only $\sigma$ and $\sigma'$ change in every equation of this lesson.
    """),

    _step("Forward pass: layer 2 and the output", "yhat", "sample", r"""
    Layer 2 repeats the same two moves with $\mathbf{a}^{(1)}$ as its input:
    $\mathbf{z}^{(2)} = \mathbf{W}^{(2)}\mathbf{a}^{(1)} + \mathbf{b}^{(2)}$, shapes
    $(4\times3)(3\times1) + (4\times1) = 4\times1$, then
    $\mathbf{a}^{(2)} = \sigma(\mathbf{z}^{(2)})$. The output layer makes the same product
    but applies no $\sigma$ (it is **linear**), so the prediction is its pre-activation:

    $$\hat{\mathbf{y}} = \mathbf{z}^{(3)} = \mathbf{W}^{(3)}\mathbf{a}^{(2)} + \mathbf{b}^{(3)},
    \qquad (2\times4)(4\times1) + (2\times1) = 2\times1 .$$

    In one line, the whole forward pass is, for $q = 1, 2, 3$:

    $$\mathbf{z}^{(q)} = \mathbf{W}^{(q)}\mathbf{a}^{(q-1)} + \mathbf{b}^{(q)}, \qquad
    \mathbf{a}^{(q)} = \sigma\left(\mathbf{z}^{(q)}\right)\ (q < 3), \qquad
    \hat{\mathbf{y}} = \mathbf{z}^{(3)} .$$

    Look at the numbers below: for the target $(<<y1>>, <<y2>>)^\top$ the network predicts
    $\hat{\mathbf{y}} = (<<yhat1>>, <<yhat2>>)^\top$. The larger output names the predicted
    class: here class <<pred>>, <<verdict>>. The picture now shows every activation, and the
    edges of $\mathbf{W}^{(3)}$ are lit.
    """, try_this=r"""
    In the **Train** tab press **Step epoch** a few times, then come back: $\hat{\mathbf{y}}$
    is usually much closer to $\mathbf{y}$.
    """),

    _step("The loss, and why there is no ½", "loss", "sample", r"""
    To improve the prediction we need one number that says how wrong it is, the **loss**.
    We use the squared error, summed over the two outputs:

    $$L = \sum_{l=1}^{2}\left(\hat{y}_l - y_l\right)^2 .$$

    It is 0 only when $\hat{\mathbf{y}} = \mathbf{y}$, it grows as either output moves away
    from its target, and it is smooth, so it has a derivative with respect to each of the 35
    parameters. Look at the numbers below: the two squared differences add up to
    $L = <<loss>>$.

    Many textbooks put a factor $\frac12$ in front, so that it cancels the 2 that appears when
    a square is differentiated. We do **not**, so

    $$\frac{\partial L}{\partial \hat{y}_l} = 2\left(\hat{y}_l - y_l\right),$$

    and this factor 2 travels into every gradient that follows. It does not move the minimum
    of the loss; it doubles every gradient, which has the same effect as doubling the
    learning rate. The rest of the lesson computes these derivatives, the **gradient** of
    $L$, because it says in which direction to change each parameter.
    """),

    _step("The output error signal δ⁽³⁾", "delta3", "sample", r"""
    Backpropagation first computes, layer by layer from the top, the derivative of the loss
    with respect to the layer's pre-activations,

    $$\boldsymbol{\delta}^{(q)} = \frac{\partial L}{\partial \mathbf{z}^{(q)}} \in
    \mathbb{R}^{n_q},$$

    the **error signal** of layer $q$: entry $i$ says how fast $L$ changes when $z^{(q)}_i$
    changes. Every parameter's gradient will follow from it in one line.

    At the top this is easy. The output is linear, $\hat{\mathbf{y}} = \mathbf{z}^{(3)}$, so
    $\boldsymbol{\delta}^{(3)}$ is the derivative of the loss from the previous step:

    $$\boldsymbol{\delta}^{(3)} = 2\left(\hat{\mathbf{y}} - \mathbf{y}\right) .$$

    Its signs say which way each output should move. Look at the numbers below:
    $\delta^{(3)}_1 = 2(<<pyhat1>> - <<y1>>) = <<d31>>$ is <<d31_meaning>>. The picture
    shows $\boldsymbol{\delta}^{(3)}$ on the output nodes.
    """),

    _step("Backward to layer 2: through Wᵀ and σ′", "delta2", "sample", r"""
    How does $L$ depend on $z^{(2)}_m$? Follow the paths upward. $z^{(2)}_m$ only enters
    $a^{(2)}_m = \sigma(z^{(2)}_m)$, with local derivative $\sigma'(z^{(2)}_m)$, and
    $a^{(2)}_m$ reaches **every** output $z^{(3)}_l$ through the weight $w^{(3)}_{lm}$, with
    local derivative $w^{(3)}_{lm}$. The chain rule multiplies the local derivatives along
    each path and adds over the paths, here over the outputs $l$; the part above
    $z^{(3)}_l$ is $\delta^{(3)}_l$:

    $$\delta^{(2)}_m = \sum_{l=1}^{2} \delta^{(3)}_l\, w^{(3)}_{lm}\, \sigma'\left(z^{(2)}_m\right)
    = \sigma'\left(z^{(2)}_m\right)\sum_{l=1}^{2} w^{(3)}_{lm}\,\delta^{(3)}_l$$

    ($\sigma'(z^{(2)}_m)$ does not depend on $l$, so it comes out of the sum). That sum runs
    down **column** $m$ of $\mathbf{W}^{(3)}$, which is row $m$ of its transpose, so for all
    four neurons at once

    $$\boldsymbol{\delta}^{(2)} = \sigma'\left(\mathbf{z}^{(2)}\right) \odot
    \left(\left(\mathbf{W}^{(3)}\right)^\top\boldsymbol{\delta}^{(3)}\right), \qquad
    (4\times2)(2\times1) = 4\times1 .$$

    The transpose sends the signal back along the edges that carried the activations
    forward: $\mathbf{W}^{(3)}$ mapped 4 numbers to 2, $(\mathbf{W}^{(3)})^\top$ maps 2 back
    to 4. Here $\sigma'(z) = <<dsigma>>$: <<backward>> Look at the numbers below: in the
    first vector, neuron <<k2>>
    of layer 2 has the smallest factor, $\sigma'(z^{(2)}_{<<k2>>}) = <<dsmin>>$ (its $a = <<a2k>>$), so it
    passes on <<pct2>> % of the signal that reaches it.
    """, try_this=r"""
    Train for a while in the **Train** tab and come back: <<train>>
    """),
)
