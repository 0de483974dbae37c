package api

import (
	"context"

	"github.com/fieldwork/fieldwork/api/gen"
	"github.com/fieldwork/fieldwork/domain/photo"
)

func photoDTO(p photo.Photo) gen.Photo {
	return gen.Photo{Id: p.ID, WorkOrderId: p.WorkOrderID, Kind: gen.PhotoKind(p.Kind), ContentType: gen.PhotoContentType(p.ContentType),
		SizeBytes: p.SizeBytes, Sha256: p.SHA256, Status: gen.PhotoStatus(p.Status), UploadedBy: p.UploadedBy, CreatedAt: p.CreatedAt}
}

// CreatePhoto records a pending photo and says where to upload its bytes.
func (s *Server) CreatePhoto(ctx context.Context, req gen.CreatePhotoRequestObject) (gen.CreatePhotoResponseObject, error) {
	b := req.Body
	p, up, err := s.cfg.Photos.Create(ctx, req.Id, photo.NewPhoto{Kind: photo.Kind(b.Kind),
		ContentType: photo.ContentType(b.ContentType), SizeBytes: b.SizeBytes, SHA256: b.Sha256})
	if err != nil {
		return nil, err
	}
	out := gen.CreatePhoto201JSONResponse{Id: p.ID, Status: gen.PhotoUploadStatusPending}
	out.Upload.Method, out.Upload.Url = gen.PhotoUploadUploadMethod(up.Method), up.URL
	out.Upload.Headers, out.Upload.ExpiresAt = up.Headers, up.ExpiresAt.UTC()
	return out, nil
}

// CompletePhoto checks an upload and makes the photo ready.
func (s *Server) CompletePhoto(ctx context.Context, req gen.CompletePhotoRequestObject) (gen.CompletePhotoResponseObject, error) {
	p, err := s.cfg.Photos.Complete(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.CompletePhoto200JSONResponse(photoDTO(p)), nil
}

// GetPhoto redirects to a short-lived download URL.
func (s *Server) GetPhoto(ctx context.Context, req gen.GetPhotoRequestObject) (gen.GetPhotoResponseObject, error) {
	u, err := s.cfg.Photos.Download(ctx, req.Id)
	if err != nil {
		return nil, err
	}
	return gen.GetPhoto302Response{Headers: gen.GetPhoto302ResponseHeaders{Location: &u}}, nil
}

// ListWorkOrderPhotos pages through an order's photos.
func (s *Server) ListWorkOrderPhotos(ctx context.Context, req gen.ListWorkOrderPhotosRequestObject) (gen.ListWorkOrderPhotosResponseObject, error) {
	page, err := s.cfg.Photos.List(ctx, req.Id, pageRequest(req.Params.Limit, req.Params.Cursor))
	if err != nil {
		return nil, err
	}
	return gen.ListWorkOrderPhotos200JSONResponse{Items: mapItems(page.Items, photoDTO), NextCursor: nextCursor(page.Next)}, nil
}
