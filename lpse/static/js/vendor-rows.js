// Vendor registration and profile forms: "Tambah baris" adds an empty director or licence row,
// up to the cap the server enforces (data-max). Without JavaScript the form still offers spare
// rows; this only adds more. The server checks every row and the cap again.
(function () {
  'use strict';
  document.querySelectorAll('button[data-add-row]').forEach(function (button) {
    var name = button.getAttribute('data-add-row');
    var box = document.getElementById(name + '-rows');
    var max = parseInt(button.getAttribute('data-max'), 10);
    if (!box) { return; }
    var pattern = new RegExp('^' + name + '-\\d+-');
    button.hidden = false;
    button.addEventListener('click', function () {
      var rows = box.querySelectorAll('.row-group');
      var index = rows.length;
      if (index >= max) { button.disabled = true; return; }
      var copy = rows[rows.length - 1].cloneNode(true);
      copy.querySelectorAll('.error').forEach(function (p) { p.remove(); });
      copy.querySelectorAll('.has-error').forEach(function (d) { d.classList.remove('has-error'); });
      copy.querySelectorAll('input, label').forEach(function (el) {
        ['name', 'id', 'for'].forEach(function (attr) {
          var value = el.getAttribute(attr);
          if (value) { el.setAttribute(attr, value.replace(pattern, name + '-' + index + '-')); }
        });
        if (el.tagName === 'INPUT') {
          el.value = '';
          el.removeAttribute('aria-invalid');
          el.removeAttribute('aria-describedby');
        }
      });
      box.appendChild(copy);
      copy.querySelector('input').focus();
      if (index + 1 >= max) { button.disabled = true; }
    });
  });
}());
