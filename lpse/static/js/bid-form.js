// Bid form: live line totals and the bid total (rupiah, Indonesian grouping), the parts of a
// two-file tender's form (File I / File II) shown by the chosen option, a check of the signing
// passphrase before anything is uploaded (data-check: {"ok": true} or {"error": …}), and an
// upload progress bar (XMLHttpRequest upload progress events). Without JavaScript the form
// still posts normally; the server computes the declared total itself and keeps the
// attachments (encrypted) when it refuses the passphrase.
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
  var passphrase = form.querySelector('input[name="passphrase"]');
  function passphraseError(message) {
    var error = document.getElementById('passphrase-check-error');
    if (!error) {
      error = document.createElement('p');
      error.id = 'passphrase-check-error';
      error.className = 'error';
      error.setAttribute('role', 'alert');
      passphrase.parentNode.insertBefore(error, passphrase.nextSibling);
    }
    error.textContent = message;
    passphrase.setAttribute('aria-invalid', 'true');
    passphrase.setAttribute('aria-describedby', error.id);
    passphrase.focus();
  }
  function check(then) {
    // The passphrase first: a wrong one costs a short request, not the whole upload.
    var url = form.getAttribute('data-check');
    if (!url || !passphrase || !passphrase.value) { then(); return; }
    var data = new FormData();
    var token = form.querySelector('input[name="csrf_token"]');
    if (token) { data.append('csrf_token', token.value); }
    data.append('passphrase', passphrase.value);
    var xhr = new XMLHttpRequest();
    xhr.open('POST', url);
    box.hidden = false;
    status.textContent = form.getAttribute('data-checking') || '';
    xhr.addEventListener('load', function () {
      var answer = null;
      try { answer = JSON.parse(xhr.responseText); } catch (e) { answer = null; }
      if (xhr.status === 200 && answer && answer.ok) { then(); return; }
      status.textContent = '';
      box.hidden = true;
      document.getElementById('bid-submit').disabled = false;
      if (answer && answer.error) { passphraseError(answer.error.message); return; }
      then();  // no answer we understand: let the server judge the whole form
    });
    xhr.addEventListener('error', function () { then(); });
    xhr.send(data);
  }

  form.addEventListener('submit', function (event) {
    if (!window.XMLHttpRequest || !window.FormData || !window.lpseUpload) { return; }
    event.preventDefault();
    document.getElementById('bid-submit').disabled = true;
    try { check(upload); } catch (e) { upload(); }  // a failed check never blocks the bid
  });
  function upload() {
    window.lpseUpload(form, {
      box: box, bar: bar, status: status, button: document.getElementById('bid-submit')
    }, form.getAttribute('data-sealing'));
  }
}());
