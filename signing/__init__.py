"""PDF signatures over pyHanko: plain Python, bytes in and bytes out, no Flask.

Modules: ``model`` (field names, boxes, errors, reports), ``fonts``
(1000-upem Vietnamese fonts), ``appearance`` (stamps per Decree 30),
``fields`` (prepare and fill form fields), ``keys`` (PKCS#12, PKCS#11,
external signer), ``external`` (the two-step browser/remote signing that
``keys`` re-exports), ``pades`` (sign at B-B/B-T/B-LT/B-LTA), ``validation``
(reports), ``pki`` (demo and test PKI with TSA/OCSP), ``softhsm`` (tokens),
``pdfio`` (safe opening of untrusted PDF bytes).
"""
