/* global URLSearchParams, FormData, FileReader */
// Small progressive enhancement for the staff dashboard; every page works without it.
(function () {
  'use strict';

  // Live token preview: ask the server for the sentence while staff type.
  var form = document.querySelector('form[data-preview]');
  if (form) {
    var out = document.getElementById('preview-text');
    var timer = null;
    var update = function () {
      var data = new URLSearchParams(new FormData(form));
      data.delete('count');
      fetch(form.getAttribute('data-preview'), {
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
        },
        body: data.toString(),
        credentials: 'same-origin',
      })
        .then(function (r) {
          return r.json();
        })
        .then(function (j) {
          if (out && j && j.summary) out.textContent = j.summary;
        })
        .catch(function () {});
    };
    form.addEventListener('input', function () {
      clearTimeout(timer);
      timer = setTimeout(update, 250);
    });
  }

  // Minutes drop-down: show the custom field only for "custom".
  var minutes = document.getElementById('f-minutesPreset');
  var custom = document.getElementById('custom-minutes');
  if (minutes && custom) {
    var sync = function () {
      custom.hidden = minutes.value !== 'custom';
    };
    minutes.addEventListener('change', sync);
    sync();
  }

  // Select all tokens on the page.
  var all = document.getElementById('select-all');
  if (all) {
    all.addEventListener('change', function () {
      document.querySelectorAll('input[name="ids"]').forEach(function (c) {
        c.checked = all.checked;
      });
    });
  }

  // Logo upload: turn the picked file into a data: URL in the text field.
  var file = document.getElementById('logo-file');
  var logo = document.getElementById('f-logo');
  if (file && logo) {
    file.hidden = false;
    file.addEventListener('change', function () {
      var f = file.files && file.files[0];
      if (!f) return;
      var reader = new FileReader();
      reader.onload = function () {
        logo.value = String(reader.result);
      };
      reader.readAsDataURL(f);
    });
  }

  // The print page's Print button.
  var printNow = document.getElementById('print-now');
  if (printNow)
    printNow.addEventListener('click', function () {
      window.print();
    });
})();
