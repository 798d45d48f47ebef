"""Spatially explicit capture-recapture (SCR / SECR) for camera traps and scat searches.

Maximum-likelihood SECR after Borchers & Efford (2008, Biometrics 64:377) and Efford,
Borchers & Byrom (2009) as implemented in R ``secr`` (Efford): activity centres form a
Poisson process on a habitat mask, detection declines with distance from the centre
(half-normal ``g0`` or hazard half-normal ``lambda0``, scale ``sigma``), detectors are
proximity (cameras), count (scat-search cells with effort) or multi-catch traps.

Modules
-------
* :mod:`leogen.scr.geo` - projection of lat/lon to metres (pyproj, local LAEA);
* :mod:`leogen.scr.secrio` - secr's DENSITY text formats (trap layout, capture file);
* :mod:`leogen.scr.detectors` - camera stations, search effort, detections of the pipeline;
* :mod:`leogen.scr.mask` - habitat mask, default buffer, buffer check;
* :mod:`leogen.scr.sexes` - the animals' known sex for the known-sex models (secr's
  ``hcov``);
* :mod:`leogen.scr.likelihood` - the vectorised likelihood;
* :mod:`leogen.scr.fit` - maximisation, standard errors, derived density, trend;
* :mod:`leogen.scr.simulate` - drawing detections (the one implementation, used by the
  simulator);
* :mod:`leogen.scr.outputs`, :mod:`leogen.scr.run` - the stage's tables and runs.
"""
