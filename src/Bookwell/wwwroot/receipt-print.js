// Bookwell desk receipt: prints the ESC/POS receipt on a thermal printer through the Web Serial API where the browser
// has it. Without it (or without script) the download link beside it stays the way; this only adds a button.
const box = document.getElementById('serial-print');
if (box && 'serial' in navigator) {
  const d = box.dataset;
  // One setting per browser: the printer belongs to the desk, not to the receipt.
  const key = 'bookwell.receiptPrinter.baudRate';
  const rates = [9600, 19200, 38400, 57600, 115200];
  let saved = null;
  try { saved = parseInt(localStorage.getItem(key), 10); } catch (e) { saved = null; }

  const label = document.createElement('label');
  label.htmlFor = 'serial-baud';
  label.textContent = d.baud;
  const select = document.createElement('select');
  select.id = 'serial-baud';
  rates.forEach(function (r) {
    const option = document.createElement('option');
    option.value = String(r);
    option.textContent = String(r);
    option.selected = r === (rates.indexOf(saved) >= 0 ? saved : 9600);
    select.appendChild(option);
  });
  select.addEventListener('change', function () {
    try { localStorage.setItem(key, select.value); } catch (e) { /* private mode: the choice lasts this page only */ }
  });
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'button';
  button.id = 'serial-print-button';
  button.textContent = d.print;
  const status = document.createElement('p');
  status.id = 'serial-status';
  status.setAttribute('role', 'status');

  function say(text, bad) {
    status.textContent = text;
    status.className = bad ? 'error' : 'muted';
  }

  button.addEventListener('click', async function () {
    let port;
    try {
      // Asked first, while the click still counts as the user's gesture (the browser's chooser needs one).
      port = await navigator.serial.requestPort();
    } catch (e) {
      say(d.noPort, true);
      return;
    }
    button.disabled = true;
    say(d.printing, false);
    let opened = false;
    try {
      const response = await fetch(d.url, { credentials: 'same-origin' });
      if (!response.ok) { throw new Error('HTTP ' + response.status); }
      const bytes = new Uint8Array(await response.arrayBuffer());
      await port.open({ baudRate: parseInt(select.value, 10) });
      opened = true;
      const writer = port.writable.getWriter();
      try {
        await writer.write(bytes);
      } finally {
        writer.releaseLock();
      }
      say(d.done, false);
    } catch (e) {
      say(d.failed.replace('{0}', (e && e.message) || String(e)), true);
    } finally {
      if (opened) {
        try { await port.close(); } catch (e) { /* already gone: nothing more to free */ }
      }
      button.disabled = false;
    }
  });

  const row = document.createElement('div');
  row.className = 'actions';
  const field = document.createElement('div');
  field.appendChild(label);
  field.appendChild(select);
  row.appendChild(field);
  row.appendChild(button);
  box.appendChild(row);
  box.appendChild(status);
}
