(function () {
  'use strict';
  var form = document.getElementById('filters');
  if (!form) return;
  form.hidden = false;
  form.addEventListener('submit', function (e) { e.preventDefault(); });
  function $(id) { return document.getElementById(id); }
  var q = $('q'), camp = $('fcamp'), side = $('fside'), type = $('ftype'), from = $('ffrom'), to = $('fto'),
      out = $('shown'), expand = $('expand');
  var cards = Array.prototype.slice.call(document.querySelectorAll('#event-list article.event'));
  var heads = Array.prototype.slice.call(document.querySelectorAll('#event-list h3.campaign'));
  var texts = cards.map(function (a) { return a.textContent.toLowerCase(); });
  function has(list, word) { return (' ' + list + ' ').indexOf(' ' + word + ' ') >= 0; }
  function apply() {
    var s = q.value.trim().toLowerCase(), c = camp.value, sd = side.value, ty = type.value,
        f = from.value, t = to.value, shown = 0, seen = {};
    cards.forEach(function (a, i) {
      var ok = (!s || texts[i].indexOf(s) >= 0) && (!c || a.getAttribute('data-campaign') === c) &&
        (!sd || has(a.getAttribute('data-sides'), sd)) && (!ty || has(a.getAttribute('data-types'), ty)) &&
        (!f || a.getAttribute('data-end') >= f) && (!t || a.getAttribute('data-start') <= t);
      a.hidden = !ok;
      if (ok) { shown++; seen[a.getAttribute('data-campaign')] = true; }
      Array.prototype.forEach.call(a.querySelectorAll('tr.claim'), function (r) {
        r.hidden = (sd && r.getAttribute('data-side') !== sd) || (ty && r.getAttribute('data-type') !== ty);
      });
    });
    heads.forEach(function (h) { h.hidden = !seen[h.getAttribute('data-campaign')]; });
    out.textContent = shown + ' of ' + cards.length + ' events shown';
  }
  [q, from, to].forEach(function (el) { el.addEventListener('input', apply); });
  [camp, side, type, from, to].forEach(function (el) { el.addEventListener('change', apply); });
  $('clear').addEventListener('click', function () { form.reset(); apply(); });
  var open = false;
  expand.addEventListener('click', function () {
    open = !open;
    Array.prototype.forEach.call(document.querySelectorAll('#event-list details'), function (d) { d.open = open; });
    expand.textContent = open ? 'Hide all quotes' : 'Show all quotes';
  });
  window.addEventListener('beforeprint', function () {
    Array.prototype.forEach.call(document.querySelectorAll('main details:not(.alt)'), function (d) { d.open = true; });
  });
  apply();
})();
