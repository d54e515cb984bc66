"""Tests of convlessons.data: shapes, ranges, determinism, validation."""

import numpy as np
import pytest

from convlessons import data


def test_photo_is_a_real_gray_or_rgb_image_in_unit_range():
    gray = data.photo()
    assert gray.shape == (600, 512) and gray.dtype == np.float64
    assert 0.0 <= gray.min() < 0.2 and 0.8 < gray.max() <= 1.0
    assert gray.std() > 0.1  # a photograph, not a flat image
    rgb = data.photo(gray=False, size=(30, 20))
    assert rgb.shape == (30, 20, 3) and 0 <= rgb.min() and rgb.max() <= 1
    np.testing.assert_array_equal(data.photo(size=16), data.photo(size=16))
    with pytest.raises(ValueError, match="size"):
        data.photo(size=0)


def test_checkerboard_and_step_edge():
    board = data.checkerboard(6, 2)
    assert board.shape == (6, 6) and board[0, 0] == 1 and board[0, 2] == 0 and board[2, 2] == 1
    edge = data.step_edge((4, 6), orientation="horizontal", low=0.2, high=0.8)
    assert edge[:2].tolist() == [[0.2] * 6] * 2 and edge[2:].tolist() == [[0.8] * 6] * 2
    assert data.step_edge(3, orientation="diagonal").tolist() == [[0, 0, 0], [1, 0, 0],
                                                                  [1, 1, 0]]
    with pytest.raises(ValueError, match="orientation"):
        data.step_edge(4, orientation="round")
    with pytest.raises(ValueError, match="square"):
        data.checkerboard(4, 0)


@pytest.mark.parametrize("kind", ["spheres", "tube"])
def test_synthetic_volume_is_deterministic_and_nonempty(kind):
    a = data.synthetic_volume((16, 20, 24), kind=kind, seed=3)
    b = data.synthetic_volume((16, 20, 24), kind=kind, seed=3)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (16, 20, 24) and 0 <= a.min() and a.max() == 1.0
    assert 0.005 < (a > 0).mean() < 0.5


def test_synthetic_volume_seed_changes_spheres_and_bad_kind():
    assert not np.array_equal(data.synthetic_volume(seed=0), data.synthetic_volume(seed=1))
    with pytest.raises(ValueError, match="kind"):
        data.synthetic_volume(kind="cubes")


def test_moving_square_video_moves_and_bounces():
    video = data.moving_square_video(10, 8, square=3, velocity=(1, 2))
    assert video.shape == (10, 8, 8)
    assert all(frame.sum() == 9 for frame in video)
    corners = [tuple(np.argwhere(f)[0]) for f in video]
    assert corners[:3] == [(0, 0), (1, 2), (2, 4)]
    assert all(0 <= r <= 5 and 0 <= c <= 5 for r, c in corners)
    with pytest.raises(ValueError, match="square must be smaller"):
        data.moving_square_video(2, 4, square=4)
