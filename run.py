"""`python run.py` serves the app on http://127.0.0.1:5000 (another port: `PORT=8000`).

The links the app writes without a request — OCDS record URLs, PDF verification URLs, mail —
use LPSE_BASE_URL; unless it is set, it follows the port served here."""

import os

from lpse import create_app

PORT = int(os.environ.get('PORT', '5000'))
os.environ.setdefault('LPSE_BASE_URL', f'http://127.0.0.1:{PORT}')

app = create_app()

if __name__ == '__main__':
    app.run(host='127.0.0.1', port=PORT)
