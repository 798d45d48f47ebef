"""Genotype and sheet formats: long replicate table, GenAlEx, Genepop, STRUCTURE, VCF/BCF."""
