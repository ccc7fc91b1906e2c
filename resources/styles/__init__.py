"""Data (the bottom layer): the wall's Qt style sheets, one per theme, loaded by the shell. No code;
imports nothing."""
