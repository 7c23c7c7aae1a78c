// Upload progress for document forms (tender documents and addenda, vendor documents), as the
// bid form has: a form with data-progress is sent by XMLHttpRequest so its upload progress
// events fill a <progress> bar; the answer (the next page, or the form with its errors)
// replaces the page. Without JavaScript the form posts normally. A static file: the pages'
// Content-Security-Policy allows no inline script.
(function () {
  'use strict';
  if (!window.XMLHttpRequest || !window.FormData) { return; }
  document.querySelectorAll('form[data-progress]').forEach(function (form) {
    var box = form.querySelector('.progress');
    var bar = box && box.querySelector('progress');
    var status = box && box.querySelector('[role="status"]');
    var button = form.querySelector('button[type="submit"]');
    if (!box || !bar || !status) { return; }
    form.addEventListener('submit', function (event) {
      event.preventDefault();
      var xhr = new XMLHttpRequest();
      xhr.open('POST', form.action || window.location.href);
      box.hidden = false;
      if (button) { button.disabled = true; }
      xhr.upload.addEventListener('progress', function (e) {
        if (e.lengthComputable) {
          bar.value = Math.round(100 * e.loaded / e.total);
          status.textContent = bar.value + '%';
        }
      });
      xhr.upload.addEventListener('load', function () {
        bar.value = 100;
        status.textContent = form.getAttribute('data-progress') || '100%';
      });
      xhr.addEventListener('load', function () {
        document.open();
        document.write(xhr.responseText);
        document.close();
        if (xhr.responseURL) { window.history.replaceState(null, '', xhr.responseURL); }
      });
      xhr.addEventListener('error', function () {
        status.textContent = form.getAttribute('data-failed') || 'Error';
        if (button) { button.disabled = false; }
      });
      xhr.send(new FormData(form));
    });
  });
}());
