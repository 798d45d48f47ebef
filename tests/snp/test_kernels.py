"""Hand-checked cases of the compiled SNP kernels (leogen.snp.kernels, the GT decoder of
leogen.io.vcfstream)."""

from __future__ import annotations

import numpy as np

from leogen.io.vcfstream import decode_fixed_gt
from leogen.snp import kernels


def _decode(fields: list[str]):
    line = ("chr1\t1\t.\tA\tC\t.\t.\t.\tGT\t" + "\t".join(fields) + "\n").encode()
    a = np.frombuffer(line, np.uint8)
    n = len(fields)
    out = np.empty((1, n), np.int8)
    bad = decode_fixed_gt(a, np.array([len(line) - 4 * n], np.int64), n, out)
    return out[0].tolist(), bool(bad[0])


def test_decode_fixed_width_genotypes():
    assert _decode(["0/0", "0|1", "1/0", "1|1"]) == ([0, 1, 1, 2], False)
    # missing, half-missing (missing, as PLINK reads it)
    assert _decode(["./.", ".|1", "0/.", "1/1"]) == ([-1, -1, -1, 2], False)
    # an allele 2 (multi-allelic), a haploid-width oddity, a wrong separator: -2, line flagged
    assert _decode(["0/2", "1/1"]) == ([-2, 2], True)
    assert _decode(["0-1", "0/0"]) == ([-2, 0], True)
    assert _decode(["0/1", "x/1"]) == ([1, -2], True)


def _pack(gt):
    gt = np.asarray(gt, np.int8)
    m, n = gt.shape
    planes = np.empty((4, n, (m + 63) // 64), np.uint64)
    counts = np.zeros((4, n), np.int64)
    miss = np.zeros((2, n))
    nei = np.arange(1, m + 1, dtype=float) / 10
    poly = np.ones(m, np.uint8)
    poly[0] = 0
    kernels.pack_planes(gt, nei, poly, planes, counts, miss)
    return planes, counts, miss


def test_pack_planes_by_hand():
    # 3 variants x 2 samples: sample 0 = 0, 1, missing; sample 1 = 2, missing, missing
    planes, counts, miss = _pack([[0, 2], [1, -1], [-1, -1]])
    # bit k of a sample's word is variant k: hom_ref, het, hom_alt, missing planes
    assert planes[:, 0, 0].tolist() == [0b001, 0b010, 0b000, 0b100]
    assert planes[:, 1, 0].tolist() == [0b000, 0b000, 0b001, 0b110]
    assert counts.T.tolist() == [[1, 1, 0, 1], [0, 0, 1, 2]]
    # nei of missing calls (0.2 for variant 1, 0.3 for variant 2); all are polymorphic but 0
    np.testing.assert_allclose(miss[0], [0.3, 0.5])
    assert miss[1].tolist() == [1, 2]


def test_pack_planes_spans_words():
    gt = np.zeros((130, 1), np.int8)
    gt[[0, 63, 64, 129], 0] = 1  # first and last bit of word 0, first of 1, second of 2
    planes, counts, _ = _pack(gt)
    het = planes[1, 0]
    assert het.tolist() == [1 | 1 << 63, 1, 2]
    # padding bits of the last word are 0 in every plane, also hom_ref
    assert int(planes[0, 0, 2]) == 0b01
    assert counts[:, 0].tolist() == [126, 4, 0, 0]


def test_king_pairs_by_hand():
    # 5 variants x 3 samples
    gt = np.array([[0, 2, 1],
                   [1, 1, 1],
                   [2, 0, -1],
                   [1, -1, 0],
                   [-1, -1, 2]], np.int8)
    planes, _, _ = _pack(gt)
    for missing in (True, False):
        acc = np.zeros((5, 3, 3), np.int64)
        kernels.king_pairs(planes, planes.shape[2], acc, missing)
        # (0, 1): both het at v1; opposite homozygotes at v0 and v2; 0 het where 1 is
        # missing at v3; both missing at v4. (0, 2) and (1, 2): both het at v1, nothing else
        # (no het call faces a missing one, no opposite homozygotes among called pairs)
        assert acc[0].tolist() == [[0, 1, 1], [0, 0, 1], [0, 0, 0]]
        assert acc[1].tolist() == [[0, 2, 0], [0, 0, 0], [0, 0, 0]]
        if missing:
            assert acc[2].tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
            assert acc[3].tolist() == [[0, 0, 0], [0, 0, 0], [0, 0, 0]]
            assert acc[4].tolist() == [[0, 1, 0], [0, 0, 0], [0, 0, 0]]
        else:  # the missing-call counts are left alone
            assert not acc[2:].any()


def test_king_pairs_het_where_other_missing():
    gt = np.array([[-1, 1], [1, -1], [1, -1]], np.int8)
    planes, _, _ = _pack(gt)
    acc = np.zeros((5, 2, 2), np.int32)
    kernels.king_pairs(planes, planes.shape[2], acc, True)
    # [0, 1]: 0 het where 1 missing (v1, v2) = 2; [1, 0] (stored at [0, 1]): v0 = 1
    assert (acc[2, 0, 1], acc[3, 0, 1], acc[4, 0, 1]) == (2, 1, 0)
    hh, ib, hm, mm = (np.zeros((2, 2), np.int64) for _ in range(4))
    kernels.fold_upper(acc, hh, ib, hm, mm)
    assert hm.tolist() == [[0, 2], [1, 0]]
