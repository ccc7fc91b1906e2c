"""Duty alarms after ISA-18.2: rules evaluated on change sets, alarm states, floods, the alarm KPIs.

``settings`` (the rules and their thresholds, from TOML), ``states`` (an alarm and its state),
``engine`` (the evaluation), ``floods`` (grouping for the list), ``kpis`` (the alarm system's figures).
"""
