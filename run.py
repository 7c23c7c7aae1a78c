"""`python run.py` serves the app on http://127.0.0.1:5000 (another port: `PORT=8000`)."""

import os

from lpse import create_app

app = create_app()

if __name__ == '__main__':
    app.run(host='127.0.0.1', port=int(os.environ.get('PORT', '5000')))
