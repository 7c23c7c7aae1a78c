// Tender draft form: "Tambah baris" adds an empty row to the bill of quantities (BoQ).
// Without JavaScript the form still offers spare rows; this only adds more.
(function () {
  'use strict';
  var button = document.getElementById('boq-add');
  var body = document.querySelector('#boq-table tbody');
  if (!button || !body) { return; }
  button.hidden = false;
  button.addEventListener('click', function () {
    var rows = body.querySelectorAll('tr.boq-row');
    var last = rows[rows.length - 1];
    var index = rows.length;
    var copy = last.cloneNode(true);
    copy.querySelectorAll('input').forEach(function (input) {
      input.value = '';
      input.name = input.name.replace(/boq-\d+-/, 'boq-' + index + '-');
      input.id = input.id.replace(/boq-\d+-/, 'boq-' + index + '-');
    });
    body.appendChild(copy);
    copy.querySelector('input').focus();
  });
}());
