"""The lesson's steps, part 1: notation, the forward pass, the loss and the output error.

Markdown with $…$ math and <<name>> placeholders (:func:`lab.lesson.facts`), filled by
:func:`lab.lesson.render` from the step's own pass.
"""

from __future__ import annotations

from . import Template
from . import first_forward as _first_forward
from . import written as _step


def _output_title(L: int) -> str:
    return {2: "Forward pass: the output", 3: "Forward pass: layer 2 and the output",
            4: "Forward pass: layers 2 and 3 and the output"}.get(
        L, f"Forward pass: layers 2 to {L - 1} and the output")


FIRST: tuple[Template, ...] = (
    _step("The network and its notation", "input", "sample", r"""
    The network has <<n_layers>> layers, numbered $q = <<q_all>>$. Layer $q$ has $n_q$
    neurons: <<sizes_text>>. Each neuron is joined to every neuron of the next layer by an
    edge with a weight: $<<weights_sum>>$ weights, plus one bias per neuron of <<bias_layers>>
    ($<<biases_sum>>$), <<n_params>> parameters in all. Training means adjusting these
    <<n_params>> numbers.

    For each layer $q = <<q_par>>$ we write:

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
    vectors ($n_q\times 1$). <<sigma_intro>>

    The lesson follows training sample <<index>>: look at the numbers below,
    <<input_target>>. The picture shows $\mathbf{x}$ on the input nodes; the nodes of the
    other layers stay grey until they are computed. The edges are the current weights: blue
    for $w > 0$, orange for $w < 0$, thicker for a larger $|w|$.
    """, try_this=r"""
    Pick another sample in the *Backprop, step by step* tab (the **Sample** button opens
    the plane: type a row or click a point): every number in this lesson follows it.
    """),

    _step("Forward pass, layer 1: one weighted sum per neuron", _first_forward, "sample", r"""
    Neuron $i$ of layer 1 multiplies each input by the weight of its edge, adds the products
    up and adds its bias:

    $$z^{(1)}_i = \sum_{j=1}^{<<n0>>} w^{(1)}_{ij}\,x_j + b^{(1)}_i .$$

    The sum over $j$ is row $i$ of $\mathbf{W}^{(1)}$ times the column $\mathbf{x}$, so the
    whole layer is one matrix product:

    $$\mathbf{z}^{(1)} = \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}, \qquad
    <<shape1>> .$$

    Checking shapes like this catches most mistakes: in a product the inner sizes must agree
    (here <<n0>>) and the result has the outer ones.

    Look at the numbers below: the first entry of the result is row 1 of the matrix against
    $\mathbf{x}$, plus the first bias, <<z11_sum>> (redoing it from the rounded numbers can
    miss the last digit). In the picture the edges of $\mathbf{W}^{(1)}$ are lit and the
    layer-1 nodes show $\mathbf{z}^{(1)}$.<<only_layer>>
    """, try_this=r"""
    Hover over an edge of the picture to read its weight, and over a node to read its $z$
    and its bias.
    """),

    _step("Forward pass, layer 1: the activation", "a1", "sample", r"""
    Each neuron then passes its sum through $\sigma$, entry by entry:

    $$\mathbf{a}^{(1)} = \sigma\left(\mathbf{z}^{(1)}\right), \qquad \sigma(z) = <<sigma>> .$$

    Why not pass $\mathbf{z}^{(1)}$ on as it is? Then every layer would compute a matrix
    product plus a constant vector, and so would the whole network, <<why_linear>>

    <<shape>> Look at the numbers below: $z^{(1)}_1 = <<z11>>$ becomes
    $a^{(1)}_1 = <<sigma_z11>> = <<a11>>$. Keep the slope of $\sigma$ in mind for the
    backward pass: $\sigma'(z) = <<dsigma>>$, <<stored>>
    """, try_this=r"""
    Set **Activation** in the sidebar to <<other>> ($\sigma(z) = <<other_sigma>>$):
    <<other_effect>>. Only $\sigma$ and $\sigma'$ change in every equation of this lesson.
    """, when=lambda L: L > 1),

    _step(_output_title, "yhat", "sample", r"""
    <<middle>>The output layer makes the same product but applies no $\sigma$ (it is
    **linear**), so the prediction is its pre-activation:

    $$\hat{\mathbf{y}} = \mathbf{z}^{(<<L>>)} = \mathbf{W}^{(<<L>>)}\mathbf{a}^{(<<H>>)}
    + \mathbf{b}^{(<<L>>)}, \qquad <<shapeL>> .$$

    In one line, the whole forward pass is, for $q = <<q_par>>$:

    $$\mathbf{z}^{(q)} = \mathbf{W}^{(q)}\mathbf{a}^{(q-1)} + \mathbf{b}^{(q)}, \qquad
    \mathbf{a}^{(q)} = \sigma\left(\mathbf{z}^{(q)}\right)\ (q < <<L>>), \qquad
    \hat{\mathbf{y}} = \mathbf{z}^{(<<L>>)} .$$

    Look at the numbers below: <<prediction>> The picture now shows every activation, and
    the edges of $\mathbf{W}^{(<<L>>)}$ are lit.
    """, try_this=r"""
    In the **Train** tab press **Step epoch** a few times, then come back: $\hat{\mathbf{y}}$
    is usually much closer to $\mathbf{y}$.
    """, when=lambda L: L > 1),

    _step("The loss, and why there is no ½", "loss", "sample", r"""
    To improve the prediction we need one number that says how wrong it is, the **loss**.
    We use the squared error, summed over the <<outputs>>:

    $$L = \sum_{l=1}^{<<nL>>}\left(\hat{y}_l - y_l\right)^2 .$$

    It is 0 only when $\hat{\mathbf{y}} = \mathbf{y}$, it grows as <<either>> moves away
    from its target, and it is smooth, so it has a derivative with respect to each of the
    <<n_params>> parameters. Look at the numbers below: <<loss_sum>> $L = <<loss>>$.

    Many textbooks put a factor $\frac12$ in front, so that it cancels the 2 that appears when
    a square is differentiated. We do **not**, so

    $$\frac{\partial L}{\partial \hat{y}_l} = 2\left(\hat{y}_l - y_l\right),$$

    and this factor 2 travels into every gradient that follows. It does not move the minimum
    of the loss; it doubles every gradient, which has the same effect as doubling the
    learning rate. The rest of the lesson computes these derivatives, the **gradient** of
    $L$, because it says in which direction to change each parameter.

    <<penalty_loss>>
    """),

    _step("The output error signal δ{Ls}", "delta{L}", "sample", r"""
    Backpropagation first computes, layer by layer from the top, the derivative of the loss
    with respect to the layer's pre-activations,

    $$\boldsymbol{\delta}^{(q)} = \frac{\partial L}{\partial \mathbf{z}^{(q)}} \in
    \mathbb{R}^{n_q},$$

    the **error signal** of layer $q$: entry $i$ says how fast $L$ changes when $z^{(q)}_i$
    changes. Every parameter's gradient will follow from it in one line.

    At the top this is easy. The output is linear, $\hat{\mathbf{y}} = \mathbf{z}^{(<<L>>)}$,
    so $\boldsymbol{\delta}^{(<<L>>)}$ is the derivative of the loss from the previous step:

    $$\boldsymbol{\delta}^{(<<L>>)} = 2\left(\hat{\mathbf{y}} - \mathbf{y}\right) .$$

    Its signs say which way each output should move. Look at the numbers below:
    $\delta^{(<<L>>)}_1 = 2(<<pyhat1>> - <<py1>>) = <<d31>>$ is <<d31_meaning>>. The picture
    shows $\boldsymbol{\delta}^{(<<L>>)}$ on the output nodes.
    """),

    _step("Backward to layer {H}: through Wᵀ and σ′", "delta{H}", "sample", r"""
    How does $L$ depend on $z^{(<<H>>)}_m$? Follow the paths upward. $z^{(<<H>>)}_m$ only
    enters $a^{(<<H>>)}_m = \sigma(z^{(<<H>>)}_m)$, with local derivative
    $\sigma'(z^{(<<H>>)}_m)$, and $a^{(<<H>>)}_m$ reaches <<every_output>> through the weight
    $w^{(<<L>>)}_{lm}$, with local derivative $w^{(<<L>>)}_{lm}$. The chain rule multiplies the
    local derivatives along each path and adds over the paths, here over the outputs $l$;
    the part above $z^{(<<L>>)}_l$ is $\delta^{(<<L>>)}_l$:

    $$\delta^{(<<H>>)}_m = \sum_{l=1}^{<<nL>>} \delta^{(<<L>>)}_l\, w^{(<<L>>)}_{lm}\,
    \sigma'\left(z^{(<<H>>)}_m\right) = \sigma'\left(z^{(<<H>>)}_m\right)\sum_{l=1}^{<<nL>>}
    w^{(<<L>>)}_{lm}\,\delta^{(<<L>>)}_l$$

    ($\sigma'(z^{(<<H>>)}_m)$ does not depend on $l$, so it comes out of the sum). That sum
    runs down **column** $m$ of $\mathbf{W}^{(<<L>>)}$, which is row $m$ of its transpose, so
    for <<all_H>> at once

    $$\boldsymbol{\delta}^{(<<H>>)} = \sigma'\left(\mathbf{z}^{(<<H>>)}\right) \odot
    \left(\left(\mathbf{W}^{(<<L>>)}\right)^\top\boldsymbol{\delta}^{(<<L>>)}\right), \qquad
    <<back_shape>> .$$

    The transpose sends the signal back along the edges that carried the activations
    forward: $\mathbf{W}^{(<<L>>)}$ mapped <<H_numbers>> to <<nL>>,
    $(\mathbf{W}^{(<<L>>)})^\top$ maps <<nL>> back to <<nH>>. Here $\sigma'(z) = <<dsigma>>$:
    <<backward>> Look at the numbers below: in the first vector, neuron <<k2>> of layer <<H>>
    has the smallest factor, $\sigma'(z^{(<<H>>)}_{<<k2>>}) = <<dsmin>>$ (its
    $a = <<a2k>>$), so it passes on <<pct2>> % of the signal that reaches it.
    """, try_this=r"""
    Train for a while in the **Train** tab and come back: <<train>>
    """, when=lambda L: L > 1),
)
