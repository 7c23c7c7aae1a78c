// Bid form: live line totals and the bid total (rupiah, Indonesian grouping), the parts of a
// two-file tender's form (File I / File II) shown by the chosen option, and an upload
// progress bar (XMLHttpRequest upload progress events). Without JavaScript the form still
// posts normally; the server computes the declared total itself.
(function () {
  'use strict';
  var form = document.getElementById('bid-form');
  if (!form) { return; }

  // The server's rule (lpse.i18n.number_text): dots group thousands, a comma starts the
  // decimals; a dot that does not group threes ("2.5") is a decimal point.
  function parse(text) {
    var value = (text || '').replace(/\s/g, '').replace(/^Rp/, '');
    if (/^(\d{1,3}(\.\d{3})+(,\d+)?|\d+(,\d+)?)$/.test(value)) {
      value = value.replace(/\./g, '').replace(',', '.');
    }
    if (!/^\d+(\.\d{1,2})?$/.test(value)) { return null; }
    return Number(value);
  }
  function rupiah(n) {
    return 'Rp' + n.toLocaleString('id-ID', { minimumFractionDigits: 0, maximumFractionDigits: 2 });
  }
  function recompute() {
    var total = 0;
    form.querySelectorAll('tr.price-row').forEach(function (row) {
      var price = parse(row.querySelector('.price-input').value);
      var cell = row.querySelector('.line-total');
      if (price === null) { cell.textContent = '–'; return; }
      var line = price * Number(row.getAttribute('data-quantity'));
      total += line;
      cell.textContent = rupiah(line);
    });
    document.getElementById('bid-total').textContent = rupiah(total);
  }
  form.addEventListener('input', recompute);
  recompute();

  // Two-file tenders: show the parts of the envelope(s) the chosen option seals.
  var kind = form.querySelector('select[name="kind"]');
  function showParts() {
    if (!kind) { return; }
    form.querySelectorAll('fieldset.envelope-part').forEach(function (part) {
      var kinds = (part.getAttribute('data-kinds') || '').split(' ');
      part.hidden = kinds.indexOf(kind.value) < 0;
    });
  }
  if (kind) { kind.addEventListener('change', showParts); }
  showParts();

  var box = document.getElementById('upload-progress');
  var bar = document.getElementById('upload-bar');
  var status = document.getElementById('upload-status');
  form.addEventListener('submit', function (event) {
    if (!window.XMLHttpRequest || !window.FormData) { return; }
    event.preventDefault();
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action);
    box.hidden = false;
    document.getElementById('bid-submit').disabled = true;
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) {
        bar.value = Math.round(100 * e.loaded / e.total);
        status.textContent = bar.value + '%';
      }
    });
    xhr.upload.addEventListener('load', function () {
      bar.value = 100;
      status.textContent = form.getAttribute('data-sealing') || '100%';
    });
    xhr.addEventListener('load', function () {
      // The answer is a page: the receipt after a redirect, or the form with its errors.
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (xhr.responseURL) { window.history.replaceState(null, '', xhr.responseURL); }
    });
    xhr.addEventListener('error', function () {
      status.textContent = form.getAttribute('data-failed') || 'Error';
      document.getElementById('bid-submit').disabled = false;
    });
    xhr.send(new FormData(form));
  });
}());
