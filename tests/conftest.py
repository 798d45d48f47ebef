"""Shared test helpers.

Peer-tool comparisons (plink2, plink1.9, vcftools, bcftools, chromium) skip when the tool
is absent on a user's machine; CI sets LEOGEN_REQUIRE_PEERS=1 so that a missing peer fails.
"""

from __future__ import annotations

import os
import shutil

import pytest


def require_tool(name: str) -> str:
    """Path of an OS tool; skip (or fail under LEOGEN_REQUIRE_PEERS=1) when it is absent."""
    path = shutil.which(name)
    if path is None:
        msg = f"peer tool '{name}' is not installed"
        if os.environ.get("LEOGEN_REQUIRE_PEERS") == "1":
            pytest.fail(msg + " and LEOGEN_REQUIRE_PEERS=1")
        pytest.skip(msg)
    return path


@pytest.fixture
def peer():
    """``peer('plink2')`` returns the tool's path or skips/fails as documented above."""
    return require_tool


def _write_alt_count_vcf(path, samples, gt) -> None:
    """Plain VCF of biallelic SNPs on chr1; gt (n_snps, n_samples) 0/1/2 alt counts, -1
    missing."""
    code = {-1: "./.", 0: "0/0", 1: "0/1", 2: "1/1"}
    lines = ["##fileformat=VCFv4.2", "##contig=<ID=chr1,length=10000000>",
             '##FORMAT=<ID=GT,Number=1,Type=String,Description="Genotype">',
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\tFORMAT\t" + "\t".join(samples)]
    for v in range(gt.shape[0]):
        lines.append(f"chr1\t{1000 + 10 * v}\tsnp{v}\tA\tG\t.\tPASS\t.\tGT\t"
                     + "\t".join(code[int(c)] for c in gt[v]))
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture
def alt_count_vcf():
    """``alt_count_vcf(path, samples, gt)`` writes a VCF from an alt-count matrix."""
    return _write_alt_count_vcf
