// Upload progress for document forms (tender documents and addenda, vendor documents), as the
// bid form has: a form with data-progress is sent by XMLHttpRequest so its upload progress
// events fill a <progress> bar; the answer (the next page, or the form with its errors)
// replaces the page. Without JavaScript the form posts normally. A static file: the pages'
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  if (!window.XMLHttpRequest || !window.FormData) { return; }

  // Send `form` with its upload progress in `bar`/`status` (inside `box`); `doneText` once
  // every byte is sent; the answer replaces the page. Also used by bid-form.js.
  function send(form, parts, doneText) {
    var xhr = new XMLHttpRequest();
    xhr.open('POST', form.action || window.location.href);
    parts.box.hidden = false;
    if (parts.button) { parts.button.disabled = true; }
    xhr.upload.addEventListener('progress', function (e) {
      if (e.lengthComputable) {
        parts.bar.value = Math.round(100 * e.loaded / e.total);
        parts.status.textContent = parts.bar.value + '%';
      }
    });
    xhr.upload.addEventListener('load', function () {
      parts.bar.value = 100;
      parts.status.textContent = doneText || '100%';
    });
    xhr.addEventListener('load', function () {
      // The answer is a page: the next one after a redirect, or the form with its errors.
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (xhr.responseURL) { window.history.replaceState(null, '', xhr.responseURL); }
    });
    xhr.addEventListener('error', function () {
      parts.status.textContent = form.getAttribute('data-failed') || 'Error';
      if (parts.button) { parts.button.disabled = false; }
    });
    xhr.send(new FormData(form));
  }
  window.lpseUpload = send;

  document.querySelectorAll('form[data-progress]').forEach(function (form) {
    var box = form.querySelector('.progress');
    var parts = {
      box: box,
      bar: box && box.querySelector('progress'),
      status: box && box.querySelector('[role="status"]'),
      button: form.querySelector('button[type="submit"]')
    };
    if (!parts.box || !parts.bar || !parts.status) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      send(form, parts, form.getAttribute('data-progress'));
    });
  });
}());
