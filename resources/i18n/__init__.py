"""Data (the bottom layer): the translation catalogue (``console_en.ts``) and its compiled form
(``console_en.qm``), loaded by the shell. No code; imports nothing."""
