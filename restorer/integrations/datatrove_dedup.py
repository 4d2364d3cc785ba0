"""A datatrove dedup step that finds spun copies: MinHash over what spinners leave alone.

``pip install "restorer[datatrove]"`` (which brings what datatrove's dedup stages import:
``xxhash`` below 4, whose hash datatrove calls on strings, and ``tokenizers``). A module of its
own so that the restoring steps (:mod:`restorer.integrations.datatrove`) need neither.

In a crawl, spun copies of an article sit beside the article. Near-duplicate removal misses
them: datatrove's MinHash hashes word 5-grams, and a spinner that swaps a third of the words
leaves a copy almost none of its source's 5-grams (Jaccard 0.0 on the test's paragraph, 0.8
here). :class:`SpinProofSignature` replaces only the first stage; datatrove's buckets, cluster
and filter stages then drop (or, with ``save_cluster_id``, link) spun copies as they drop
verbatim ones.
"""

from __future__ import annotations

from typing import Any

from datatrove.pipeline.dedup.minhash import MinhashDedupSignature

__all__ = ["SpinProofSignature"]


class SpinProofSignature(MinhashDedupSignature):  # type: ignore[misc]
    """datatrove's MinHash signature stage, over what spinners leave alone.

    A drop-in for ``MinhashDedupSignature``: the buckets, cluster and filter stages that follow
    are datatrove's own, unchanged. Only the shingles differ. datatrove hashes word 5-grams,
    and a spinner that swaps a third of the words leaves a spun copy almost none of its
    source's 5-grams, so the two never meet in a bucket. This step hashes n-grams of the
    text's anchors instead (:mod:`restorer.sources.fingerprint`: numbers, names, function
    words and words no table or thesaurus row can change, in order), which a spun copy keeps::

        from datatrove.pipeline.dedup import MinhashDedupBuckets, MinhashDedupCluster
        from datatrove.pipeline.dedup import MinhashDedupFilter

        stage_1 = [JsonlReader("data/in"), SpinProofSignature(output_folder="sigs")]
        # then MinhashDedupBuckets(input_folder="sigs", output_folder="buckets"),
        # MinhashDedupCluster(...) and MinhashDedupFilter(...), exactly as for plain MinHash

    Args:
        output_folder: where the signatures go (as for ``MinhashDedupSignature``).
        config: datatrove's ``MinhashConfig`` (buckets, hashes per bucket, seed); its
            ``n_grams`` is ignored in favour of ``n``.
        n: anchors per shingle (default: :data:`~restorer.sources.fingerprint.SHINGLE_SIZE`).
        **kwargs: passed to ``MinhashDedupSignature``.
    """

    name = "🎯 spin-proof MinHash stage 1"

    def __init__(
        self,
        output_folder: Any,
        config: Any = None,
        n: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(output_folder, config=config, **kwargs)
        from restorer.sources.fingerprint import SHINGLE_SIZE

        self.n = SHINGLE_SIZE if n is None else n

    def get_shingles(self, text: str) -> Any:
        """Return the hashed anchor n-grams of ``text`` as datatrove wants them: (N, 1) uint64."""
        import numpy as np

        from restorer.sources.fingerprint import anchors, shingles

        hashed = shingles(anchors(text), self.n)
        return np.fromiter(hashed, dtype=np.uint64, count=len(hashed)).reshape((-1, 1))
