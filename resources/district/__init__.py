"""Data (the bottom layer): the Dongcheng district data set, built by ``server_link.district_build``
and read by ``server_link.district``. No code; imports nothing."""
