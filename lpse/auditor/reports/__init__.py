"""Reports across tenders for auditors (issue 14, point 3): one stored summary row per tender
(models, store), the figures aggregated in SQL over those rows (figures), their charts as SVG
(charts), CSV/XLSX/PDF downloads (exports, tasks), the page (views) and the API (api)."""
